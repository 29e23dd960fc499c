/**
 * One ranged HTTP transfer into a `.incomplete` file: resumes from the bytes already there when the
 * server answers 206 with the matching range, restarts from zero on a plain 200, and drops a
 * connection that stalls. Bytes stream to disk; memory stays at one chunk.
 */
import { open, stat, truncate } from "node:fs/promises";
import { ClipkitError } from "@clipkit/core";
import { HubApiError } from "@huggingface/hub";

/** One transfer's inputs. */
export interface TransferRequest {
  readonly url: string;
  /** Expected size in bytes (from the hub's `X-Linked-Size` / `Content-Range`). */
  readonly size: number;
  readonly token: string | undefined;
  readonly stallTimeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly fetch: typeof fetch;
  /** Called with the bytes of the file on disk after each chunk. */
  readonly onBytes: (bytes: number) => void;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function stalled(ms: number): ClipkitError {
  return new ClipkitError("DOWNLOAD_FAILED", `no data for ${ms} ms`, { details: { transient: true } });
}

/**
 * One GET of `req.url` (with `range` when given) under the stall rule: `use` reads the response
 * and calls `alive()` per chunk; no chunk for `stallTimeoutMs` aborts it with a transient
 * `DOWNLOAD_FAILED`, and `req.signal` aborts it too. HTTP errors throw `HubApiError`.
 */
async function guardedGet<T>(
  req: RangeRequest,
  range: string | undefined,
  use: (res: Response, alive: () => void) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(req.signal?.reason);
  req.signal?.addEventListener("abort", onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  let stall = false;
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stall = true;
      controller.abort();
    }, req.stallTimeoutMs);
  };
  try {
    alive();
    const headers: Record<string, string> = {};
    if (range) headers.Range = range;
    if (req.token) headers.Authorization = `Bearer ${req.token}`;
    const res = await req.fetch(req.url, { headers, signal: controller.signal });
    if (!res.ok) {
      await res.body?.cancel();
      throw new HubApiError(res.url || req.url, res.status, res.headers.get("X-Request-Id") ?? undefined);
    }
    return await use(res, alive);
  } catch (error) {
    if (stall) throw stalled(req.stallTimeoutMs);
    throw error;
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener("abort", onAbort);
  }
}

/** Brings `partial` up to `req.size` bytes. Throws `HubApiError` for HTTP errors, `DOWNLOAD_FAILED` for stalls. */
export async function transferTo(partial: string, req: TransferRequest): Promise<void> {
  let have = await sizeOf(partial);
  if (have > req.size) {
    await truncate(partial, 0);
    have = 0;
  }
  req.onBytes(have);
  if (have === req.size) return;
  await guardedGet(req, have > 0 ? `bytes=${have}-` : undefined, async (res, alive) => {
    const resumed =
      res.status === 206 && (res.headers.get("Content-Range") ?? "").startsWith(`bytes ${have}-`);
    if (!resumed) have = 0; // the server sent the whole file: start over rather than append
    const handle = await open(partial, resumed ? "a" : "w");
    try {
      if (!res.body)
        throw new ClipkitError("DOWNLOAD_FAILED", "empty response", { details: { transient: true } });
      const reader = res.body.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        const chunk = r.value;
        alive();
        if (have + chunk.byteLength > req.size) {
          throw new ClipkitError(
            "DOWNLOAD_FAILED",
            `the server sent more than the announced ${req.size} bytes`,
            {
              details: { transient: false },
            },
          );
        }
        await handle.write(chunk);
        have += chunk.byteLength;
        req.onBytes(have);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (have !== req.size) {
      throw new ClipkitError("DOWNLOAD_FAILED", `connection closed at ${have} of ${req.size} bytes`, {
        details: { transient: true },
      });
    }
  });
}

/** One ranged read's inputs (the same URL, token and stall rule as {@link transferTo}). */
export type RangeRequest = Omit<TransferRequest, "size" | "onBytes">;

/**
 * Bytes `[offset, offset + length)` of `req.url` in one request, or `"ignored"` when the server
 * answers the Range with the whole file (its body is cancelled unread). Throws `HubApiError` for
 * HTTP errors, `DOWNLOAD_FAILED` for stalls, short bodies or more bytes than asked for.
 */
export async function readRange(
  req: RangeRequest,
  offset: number,
  length: number,
): Promise<Uint8Array | "ignored"> {
  return guardedGet(req, `bytes=${offset}-${offset + length - 1}`, async (res, alive) => {
    if (res.status !== 206 || !(res.headers.get("Content-Range") ?? "").startsWith(`bytes ${offset}-`)) {
      await res.body?.cancel();
      return "ignored";
    }
    const out = new Uint8Array(length);
    let have = 0;
    if (!res.body)
      throw new ClipkitError("DOWNLOAD_FAILED", "empty response", { details: { transient: true } });
    const reader = res.body.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      alive();
      if (have + r.value.byteLength > length) {
        await reader.cancel();
        throw new ClipkitError("DOWNLOAD_FAILED", `the server sent more than the ${length} bytes asked for`, {
          details: { transient: false },
        });
      }
      out.set(r.value, have);
      have += r.value.byteLength;
    }
    if (have !== length) {
      throw new ClipkitError("DOWNLOAD_FAILED", `range closed at ${have} of ${length} bytes`, {
        details: { transient: true },
      });
    }
    return out;
  });
}
