/**
 * Downloads one repo file into the hub cache: `@huggingface/hub`'s `fileDownloadInfo` speaks the
 * resolve protocol (linked ETag, size, redirect); around it this adds what the package lacks —
 * a cross-process lock per blob (proper-lockfile), resume with retries, a sha256 check of LFS
 * files against their linked ETag, and an atomic rename so a blob exists only when complete.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ClipkitError } from "@clipkit/core";
import { fileDownloadInfo, getRepoFolderName } from "@huggingface/hub";
import { lock } from "proper-lockfile";
import { fileExists, linkIntoSnapshot, normalizeEtag, within } from "./cache.js";
import { type HubErrorContext, hubError, isTransient } from "./errors.js";
import type { ResolvedHubOptions } from "./options.js";
import { transferTo } from "./transfer.js";

/** One file to bring into `snapshots/<commit>/`. */
export interface FileDownload {
  readonly cache: string;
  readonly repo: string;
  readonly revision: string;
  readonly commit: string;
  readonly path: string;
  /** The LFS sha256 the repo listing gave, if any (a fallback when a CDN rewrites the ETag). */
  readonly lfsSha256?: string | undefined;
  readonly options: ResolvedHubOptions;
  /** Called with the bytes of this file present so far and its size. */
  readonly onBytes?: (bytes: number, total: number) => void;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Runs `fn`, retrying transient failures (5xx, 429, dropped or stalled connections) with
 * exponential backoff; other failures and the last attempt's are mapped by {@link hubError}.
 */
export async function withRetries<T>(
  options: ResolvedHubOptions,
  ctx: HubErrorContext,
  fn: () => Promise<T>,
): Promise<T> {
  const attempts = Math.max(1, options.retries ?? 5);
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (options.signal?.aborted) {
        throw new ClipkitError("ABORTED", `${ctx.repo}: download aborted`, { cause: options.signal.reason });
      }
      if (i >= attempts || !isTransient(error)) throw hubError(error, ctx);
      await sleep(Math.min(200 * 2 ** (i - 1), 5000));
    }
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The snapshot path of `path` at `commit`, downloading it when absent. */
export async function downloadFile(d: FileDownload): Promise<string> {
  const folder = within(d.cache, getRepoFolderName({ type: "model", name: d.repo }));
  const pointer = within(join(folder, "snapshots", d.commit), d.path);
  const ctx = { repo: d.repo, revision: d.revision, file: d.path };
  const o = d.options;
  if (await fileExists(pointer)) return pointer;
  const info = await withRetries(o, ctx, () =>
    fileDownloadInfo({
      repo: { type: "model", name: d.repo },
      path: d.path,
      revision: d.commit,
      hubUrl: o.endpoint,
      ...(o.token ? { accessToken: o.token } : {}),
      ...(o.fetch ? { fetch: o.fetch } : {}),
    }),
  );
  if (!info) {
    throw new ClipkitError("MODEL_FILE_MISSING", `${d.repo}@${d.revision}: ${d.path} is not in the repo`, {
      details: ctx,
    });
  }
  const linked = normalizeEtag(info.etag);
  // The hub names blobs by the linked ETag: the sha256 for LFS files, the git blob id otherwise.
  const etag = SHA256.test(linked) || !d.lfsSha256 ? linked : d.lfsSha256;
  const blob = within(join(folder, "blobs"), etag);
  const lockPath = within(
    join(d.cache, ".locks", getRepoFolderName({ type: "model", name: d.repo })),
    `${etag}.clipkit-lock`,
  );
  await mkdir(dirname(blob), { recursive: true });
  await mkdir(dirname(lockPath), { recursive: true });
  let compromised: Error | undefined;
  const release = await lock(blob, {
    realpath: false,
    lockfilePath: lockPath,
    stale: 20_000,
    update: 5_000,
    retries: { retries: 100_000, factor: 1.2, minTimeout: 50, maxTimeout: 1_000 },
    onCompromised: (error) => {
      compromised = error;
    },
  });
  try {
    if (!(await fileExists(blob))) {
      const partial = `${blob}.incomplete`;
      await withRetries(o, ctx, async () => {
        if (compromised) throw compromised;
        await transferTo(partial, {
          url: info.url,
          size: info.size,
          token: o.token,
          stallTimeoutMs: o.stallTimeoutMs ?? 30_000,
          signal: o.signal,
          fetch: o.fetch ?? fetch,
          onBytes: (bytes) => d.onBytes?.(bytes, info.size),
        });
      });
      if (SHA256.test(etag)) {
        const actual = await sha256Of(partial);
        if (actual !== etag) {
          await rm(partial, { force: true });
          throw new ClipkitError(
            "CHECKSUM_MISMATCH",
            `${d.repo}@${d.revision}: ${d.path} has sha256 ${actual}, the hub announced ${etag}; the partial file was deleted, run again`,
            { details: { ...ctx, expected: etag, actual } },
          );
        }
      }
      if (compromised) throw hubError(compromised, ctx);
      await rename(partial, blob);
    }
    await linkIntoSnapshot(blob, pointer);
  } finally {
    await release().catch(() => {});
  }
  return pointer;
}
