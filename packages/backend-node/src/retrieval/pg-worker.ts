import { createHash } from "node:crypto";
import { join } from "node:path";
import { type Embeddings, type ImageEmbedder, isClipkitError, type Metadata, unitRows } from "@clipkit/core";
import { DEFAULT_MAX_FILE_BYTES, readImageFile } from "../image/read.js";
import type { ClaimedJob, JobFailure, PgJobQueue } from "./pg-jobs.js";
import { run, type SqlClient, serialized, transaction, vectorLiteral } from "./sql.js";

/** One claimed batch to embed and commit. */
export interface ClaimWork {
  client: SqlClient;
  queue: PgJobQueue;
  claim: string;
  jobs: readonly ClaimedJob[];
  model: ImageEmbedder<Uint8Array>;
  /** Quoted rows table. */
  table: string;
  /** Folder the job paths are relative to, on this machine. */
  root: string;
  leaseSeconds: number;
  metadata?: Metadata | undefined;
  maxFileBytes?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** What one claimed batch came to. */
export interface ClaimOutcome {
  embedded: number;
  unchanged: number;
  failed: JobFailure[];
}

interface ReadFile {
  job: ClaimedJob;
  bytes: Uint8Array;
  sha256: string;
}

const failureOf = (path: string, error: unknown): JobFailure => ({
  path,
  code: isClipkitError(error) ? error.code : "IO_FAILED",
  message: error instanceof Error ? error.message : String(error),
});

/**
 * Reads, hashes and embeds one claimed batch, then commits in ONE transaction: the jobs still held
 * by this claim are marked done (or failed), and only their rows are written. A file whose content
 * hash equals its stored row's (touched, copied back) keeps its embedding. When the batch fails
 * in the model, files are retried one by one so a corrupt image fails alone. The lease is renewed
 * every third of its length while this runs; on abort the claim is released for other workers.
 */
export async function embedClaim(w: ClaimWork): Promise<ClaimOutcome> {
  const heartbeat = setInterval(
    () => void w.queue.renew(w.claim, w.leaseSeconds).catch(() => {}),
    (w.leaseSeconds * 1000) / 3,
  );
  try {
    const failed: JobFailure[] = [];
    const files: ReadFile[] = [];
    for (const job of w.jobs) {
      try {
        const bytes = await readImageFile(join(w.root, job.path), w.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
        files.push({ job, bytes, sha256: createHash("sha256").update(bytes).digest("hex") });
      } catch (error) {
        failed.push(failureOf(job.path, error));
      }
    }
    const stored = await transaction(w.client, () =>
      run<{ id: string; sha256: string | null }>(
        w.client,
        `SELECT id, sha256 FROM ${w.table} WHERE id = ANY($1::text[])`,
        [files.map((f) => f.job.path)],
      ),
    );
    const known = new Map(stored.map((r) => [r.id, r.sha256]));
    const same = files.filter((f) => known.get(f.job.path) === f.sha256);
    const fresh = files.filter((f) => known.get(f.job.path) !== f.sha256);
    const embedded = await embedAll(w, fresh, failed);
    return await commit(w, embedded, same, failed);
  } catch (error) {
    if (isClipkitError(error, "ABORTED")) await w.queue.release(w.claim).catch(() => {});
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
}

/** Embeds `files`; a failing batch is retried file by file, so only the bad files fail. */
async function embedAll(
  w: ClaimWork,
  files: ReadFile[],
  failed: JobFailure[],
): Promise<{ file: ReadFile; rows: Float32Array; at: number }[]> {
  if (files.length === 0) return [];
  const options = w.signal ? { signal: w.signal } : {};
  const place = (e: Embeddings, part: ReadFile[]) => {
    const rows = unitRows(e);
    return part.map((file, i) => ({ file, rows, at: i * e.space.dim }));
  };
  try {
    return place(
      await w.model.embedImages(
        files.map((f) => f.bytes),
        options,
      ),
      files,
    );
  } catch (error) {
    if (isClipkitError(error, "ABORTED") || files.length === 1) {
      if (isClipkitError(error, "ABORTED")) throw error;
      failed.push(failureOf(files[0]!.job.path, error));
      return [];
    }
  }
  const out: { file: ReadFile; rows: Float32Array; at: number }[] = [];
  for (const f of files) {
    try {
      out.push(...place(await w.model.embedImages([f.bytes], options), [f]));
    } catch (error) {
      if (isClipkitError(error, "ABORTED")) throw error;
      failed.push(failureOf(f.job.path, error));
    }
  }
  return out;
}

async function commit(
  w: ClaimWork,
  embedded: { file: ReadFile; rows: Float32Array; at: number }[],
  same: ReadFile[],
  failed: JobFailure[],
): Promise<ClaimOutcome> {
  const dim = w.model.space.dim;
  const meta = (f: ReadFile) => ({
    ...w.metadata,
    path: f.job.path,
    size: f.job.size,
    mtime: new Date(f.job.mtimeMs).toISOString(),
    sha256: f.sha256,
  });
  return serialized(w.client, async () => {
    await run(w.client, "BEGIN");
    try {
      const held = await w.queue.markDone(w.claim, [
        ...embedded.map((e) => e.file.job.path),
        ...same.map((f) => f.job.path),
      ]);
      const rows = embedded.filter((e) => held.has(e.file.job.path));
      for (let start = 0; start < rows.length; start += 200) {
        const values: string[] = [];
        const params: unknown[] = [];
        for (const e of rows.slice(start, start + 200)) {
          const p = params.length;
          values.push(
            `($${p + 1}, $${p + 2}::vector, $${p + 3}::jsonb, $${p + 4}::bigint, to_timestamp($${p + 5}::double precision / 1000), $${p + 6})`,
          );
          params.push(
            e.file.job.path,
            vectorLiteral(e.rows, e.at, dim),
            JSON.stringify(meta(e.file)),
            e.file.job.size,
            e.file.job.mtimeMs,
            e.file.sha256,
          );
        }
        await run(
          w.client,
          `INSERT INTO ${w.table} (id, embedding, metadata, size, mtime, sha256) VALUES ${values.join(", ")}
           ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding, metadata = EXCLUDED.metadata,
             size = EXCLUDED.size, mtime = EXCLUDED.mtime, sha256 = EXCLUDED.sha256`,
          params,
        );
      }
      const kept = same.filter((f) => held.has(f.job.path));
      for (const f of kept) {
        await run(
          w.client,
          `UPDATE ${w.table} SET size = $2, mtime = to_timestamp($3::double precision / 1000), metadata = $4::jsonb WHERE id = $1`,
          [f.job.path, f.job.size, f.job.mtimeMs, JSON.stringify(meta(f))],
        );
      }
      const recorded = await w.queue.markFailed(w.claim, failed);
      await run(w.client, "COMMIT");
      return {
        embedded: rows.length,
        unchanged: kept.length,
        failed: failed.filter((f) => recorded.has(f.path)),
      };
    } catch (error) {
      await run(w.client, "ROLLBACK").catch(() => {});
      throw error;
    }
  });
}
