/** The two kinds of hub requests the browser makes: cached JSON API calls, and file bodies counted for progress. */
import { ClipkitError } from "@clipkit/core";
import type { CacheStorageLike } from "../files/url-files.js";

type OpenCache = Awaited<ReturnType<CacheStorageLike["open"]>>;

/** Context of one API call. */
export interface JsonRequestContext {
  readonly repo: string;
  readonly revision: string;
  readonly offline: boolean;
  readonly cache: OpenCache | undefined;
  readonly fetch: typeof fetch;
}

/**
 * GETs a hub API URL, answering from the Cache API when it holds it (a revision is resolved once;
 * a commit's listing never changes). 401/403 → `HUB_AUTH_REQUIRED`, 404 → `NOT_FOUND`,
 * other failures → `DOWNLOAD_FAILED`; offline and uncached → `MODEL_FILE_MISSING`.
 */
export async function fetchJson(url: string, ctx: JsonRequestContext): Promise<unknown> {
  const where = `${ctx.repo}@${ctx.revision}`;
  const details = { repo: ctx.repo, revision: ctx.revision, url };
  const hit = await ctx.cache?.match(url);
  if (hit) return hit.json();
  if (ctx.offline) {
    throw new ClipkitError("MODEL_FILE_MISSING", `${where}: offline and ${url} is not in the Cache API`, {
      details: { ...details, offline: true },
    });
  }
  let res: Response;
  try {
    res = await ctx.fetch(url);
  } catch (error) {
    throw new ClipkitError("DOWNLOAD_FAILED", `${where}: could not fetch ${url}`, { cause: error, details });
  }
  if (!res.ok) {
    const body = await res.text().catch(() => "");
    const status = res.status;
    if (status === 401 && /repository not found/i.test(body)) {
      throw new ClipkitError(
        "NOT_FOUND",
        `${where}: no such repo on the hub (or a private one: pass a token)`,
        {
          details: { ...details, status },
        },
      );
    }
    if (status === 401 || status === 403) {
      throw new ClipkitError(
        "HUB_AUTH_REQUIRED",
        `${where}: the hub refused access (HTTP ${status}). The repo is gated or private: accept its licence on the hub page and pass a token`,
        { details: { ...details, status } },
      );
    }
    if (status === 404) {
      throw new ClipkitError("NOT_FOUND", `${where}: no such repo or revision on the hub`, {
        details: { ...details, status },
      });
    }
    throw new ClipkitError("DOWNLOAD_FAILED", `${where}: ${url} answered HTTP ${status}`, {
      details: { ...details, status },
    });
  }
  if (ctx.cache) await ctx.cache.put(url, res.clone());
  return res.json();
}

/** A fetch whose response bodies report their bytes read so far (`total` from Content-Length, else 0). */
export function countingFetch(
  inner: typeof fetch,
  onBytes: (url: string, bytes: number, total: number) => void,
): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    if (!res.body || init?.method === "HEAD" || !res.ok) return res;
    const url = input instanceof Request ? input.url : String(input);
    const total = Number(res.headers.get("Content-Length") ?? 0);
    let n = 0;
    const counted = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          n += chunk.byteLength;
          onBytes(url, n, total);
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
