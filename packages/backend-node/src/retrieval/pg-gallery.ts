import { randomUUID } from "node:crypto";
import { stat } from "node:fs/promises";
import { hostname } from "node:os";
import { relative, resolve, sep } from "node:path";
import { ClipkitError, type ImageEmbedder, type Metadata } from "@clipkit/core";
import { checkLeaseSeconds, type JobCounts, type JobFailure, PgJobQueue } from "./pg-jobs.js";
import { embedClaim } from "./pg-worker.js";
import { type PgVectorHnswOptions, PgVectorRetriever } from "./pgvector.js";
import { checkInt, quoteIdentifier, run, type SqlClient, serialized, transaction } from "./sql.js";
import { expandImages } from "./walk.js";

/** A connection {@link indexFolderToPostgres} opens per claim loop; `end` is called when done. */
export interface PgConnection extends SqlClient {
  end?(): Promise<void>;
}

/** Options of {@link indexFolderToPostgres}. */
export interface PgGalleryOptions {
  /** Rows table (default `clipkit_images`); its jobs live in `<table>_jobs`. */
  table?: string;
  /** Schema of both tables (default: the search path). */
  schema?: string;
  /** Create pgvector's HNSW index (`vector_cosine_ops`) on the embeddings. */
  hnsw?: PgVectorHnswOptions | false;
  /** Concurrent claim loops in this process, each on its own connection, sharing the model (default 1). */
  workers?: number;
  /** Files per claim (default 32). */
  batchSize?: number;
  /** Seconds a claim stays valid unless renewed; renewed every third of it while embedding (default 60). */
  leaseSeconds?: number;
  /** Claims of one file before it is marked failed (`WORKER_LOST`) instead of retried (default 3). */
  maxAttempts?: number;
  /**
   * Walk the folder and enqueue new or changed files (default true). With false this process only
   * works on jobs another process queued: pure workers on further machines.
   */
  scan?: boolean;
  /** After a full scan, delete rows and jobs of files no longer in the folder (default true). */
  removeMissing?: boolean;
  /** Queue failed files again even if unchanged (default false: they stay failed until edited). */
  retryFailed?: boolean;
  /** Extra metadata stored with every row of this run (merged under the file fields). */
  metadata?: Metadata;
  /** Worker name recorded in claimed jobs (default `host:pid`; loops append `:N`). */
  worker?: string;
  /** Wait between polls when no job is claimable but some are still running elsewhere (ms). */
  pollMs?: number;
  /** Largest file read, in bytes (default 256 MiB). */
  maxFileBytes?: number;
  followSymlinks?: boolean;
  /** Called after each committed batch: files finished by this process, files queued when work began. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** What {@link indexFolderToPostgres} did in this process. */
export interface PgGalleryReport {
  table: string;
  /** Rows in the table at the end. */
  size: number;
  /** Files this process's scan queued (new or changed); 0 without a scan. */
  queued: number;
  /** Rows and jobs deleted because their files are gone. */
  removed: number;
  /** Files this process embedded and committed. */
  embedded: number;
  /** Files re-checked whose content hash was unchanged (only size/mtime updated). */
  unchanged: number;
  /** Files this process recorded as failed, with their errors. */
  failed: JobFailure[];
  /** Batches claimed, and jobs among them that an earlier worker had lost (lease expired). */
  claims: number;
  reclaimed: number;
  /** Files embedded per claim loop (`worker` name → count). */
  perWorker: Record<string, number>;
  /** The job table at the end (all machines). */
  jobs: JobCounts;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done) => {
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      done();
    });
  });

/**
 * Indexes an image folder into Postgres + pgvector, shared by any number of processes and machines.
 * Each run (1) creates or checks the tables under an advisory lock — the embedding space is recorded
 * in `clipkit_spaces`, so a different model fails with `SPACE_MISMATCH`; (2) unless `scan: false`,
 * walks the folder and enqueues new or changed files (`ON CONFLICT` on the path, so repeated and
 * concurrent scans are idempotent) and deletes rows of vanished files; (3) runs `workers` claim loops
 * until no job is pending or running anywhere. Rows are keyed by the path relative to `folder`
 * (`/`-separated), so machines may mount the corpus at different places. A batch's rows and its
 * jobs' completion commit in one transaction; a failing file is recorded in its job row and never
 * blocks the queue; a killed worker's batch is claimed again when its lease expires.
 */
export async function indexFolderToPostgres(
  connect: () => Promise<PgConnection>,
  model: ImageEmbedder<Uint8Array>,
  folder: string,
  options: PgGalleryOptions = {},
): Promise<PgGalleryReport> {
  const tableName = options.table ?? "clipkit_images";
  quoteIdentifier(tableName, "table");
  const jobsName = `${tableName}_jobs`;
  const workers = checkInt(options.workers ?? 1, "workers", 1, 64);
  const batchSize = checkInt(options.batchSize ?? 32, "batchSize", 1, 5000);
  const leaseSeconds = checkLeaseSeconds(options.leaseSeconds ?? 60);
  const maxAttempts = checkInt(options.maxAttempts ?? 3, "maxAttempts", 1, 1000);
  const pollMs = options.pollMs ?? Math.min(1000, leaseSeconds * 250);
  const root = resolve(folder);
  const workerName = options.worker ?? `${hostname()}:${process.pid}`;

  const first = await connect();
  const clients: PgConnection[] = [first];
  try {
    const { table, queue } = await setUp(first, model, tableName, jobsName, options);
    let queued = 0;
    let removed = 0;
    if (options.scan !== false) {
      ({ queued, removed } = await scanFolder(first, queue, table, root, options));
    }
    const start = await queue.counts();
    const report: PgGalleryReport = {
      table: tableName,
      size: 0,
      queued,
      removed,
      embedded: 0,
      unchanged: 0,
      failed: [],
      claims: 0,
      reclaimed: 0,
      perWorker: {},
      jobs: start,
    };
    const total = start.pending + start.running;
    let done = 0;
    const loop = async (client: PgConnection, name: string) => {
      const q = new PgJobQueue(client, jobsName, options.schema);
      report.perWorker[name] = 0;
      while (!options.signal?.aborted) {
        const claim = randomUUID();
        const jobs = await q.claim(claim, name, { limit: batchSize, leaseSeconds, maxAttempts });
        if (jobs.length === 0) {
          const c = await q.counts();
          if (c.pending === 0 && c.running === 0) return;
          await sleep(pollMs, options.signal);
          continue;
        }
        report.claims++;
        report.reclaimed += jobs.filter((j) => j.attempts > 1).length;
        const out = await embedClaim({
          client,
          queue: q,
          claim,
          jobs,
          model,
          table,
          root,
          leaseSeconds,
          metadata: options.metadata,
          maxFileBytes: options.maxFileBytes,
          signal: options.signal,
        });
        report.embedded += out.embedded;
        report.perWorker[name]! += out.embedded;
        report.unchanged += out.unchanged;
        report.failed.push(...out.failed);
        done += jobs.length;
        options.onProgress?.(done, total);
      }
    };
    for (let w = 1; w < workers; w++) clients.push(await connect());
    await Promise.all(clients.map((c, w) => loop(c, workers === 1 ? workerName : `${workerName}:${w}`)));
    if (options.signal?.aborted) throw new ClipkitError("ABORTED", "postgres indexing was aborted");
    report.jobs = await queue.counts();
    const n = await serialized(first, () =>
      run<{ n: string | number }>(first, `SELECT count(*) AS n FROM ${table}`),
    );
    report.size = Number(n[0]!.n);
    return report;
  } finally {
    for (const c of clients) await c.end?.().catch(() => {});
  }
}

/**
 * Creates or checks the rows table (via {@link PgVectorRetriever.open}: space record, optional HNSW
 * index), its file columns and the job table, under a transaction-scoped advisory lock so that
 * workers starting together do not race on `CREATE … IF NOT EXISTS`.
 */
async function setUp(
  client: SqlClient,
  model: ImageEmbedder<Uint8Array>,
  tableName: string,
  jobsName: string,
  options: PgGalleryOptions,
): Promise<{ table: string; queue: PgJobQueue }> {
  const schema = options.schema === undefined ? undefined : quoteIdentifier(options.schema, "schema");
  const table = schema
    ? `${schema}.${quoteIdentifier(tableName, "table")}`
    : quoteIdentifier(tableName, "table");
  const queue = new PgJobQueue(client, jobsName, options.schema);
  await transaction(client, async () => {
    await run(client, "SELECT pg_advisory_xact_lock(hashtext($1))", [`clipkit:${table}`]);
    await PgVectorRetriever.open(client, model.space, {
      table: tableName,
      ...(options.schema !== undefined ? { schema: options.schema } : {}),
      ...(options.hnsw ? { hnsw: options.hnsw } : {}),
    });
    await run(
      client,
      `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS size bigint, ADD COLUMN IF NOT EXISTS mtime timestamptz,
         ADD COLUMN IF NOT EXISTS sha256 text`,
    );
    await queue.create();
    await run(
      client,
      `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${jobsName}_state`.slice(0, 63), "table")} ON ${queue.table} (state)`,
    );
  });
  return { table, queue };
}

/** Walks `root`, enqueues new or changed files, and (after a complete scan) removes vanished ones. */
async function scanFolder(
  client: SqlClient,
  queue: PgJobQueue,
  table: string,
  root: string,
  options: PgGalleryOptions,
): Promise<{ queued: number; removed: number }> {
  const found = await expandImages([root], { followSymlinks: options.followSymlinks ?? false });
  const seen = new Set<string>();
  let queued = 0;
  const chunk: { path: string; size: number; mtimeMs: number }[] = [];
  const flush = async () => {
    queued += (await queue.enqueue(chunk.splice(0), options.retryFailed ?? false)).length;
  };
  for (const abs of found.paths) {
    if (options.signal?.aborted) throw new ClipkitError("ABORTED", "postgres indexing was aborted");
    const s = await stat(abs).catch(() => undefined);
    if (!s?.isFile()) continue;
    const path = relative(root, abs).split(sep).join("/");
    seen.add(path);
    chunk.push({ path, size: s.size, mtimeMs: s.mtimeMs });
    if (chunk.length >= 1000) await flush();
  }
  await flush();
  let removed = 0;
  if (options.removeMissing !== false) {
    const gone = (await queue.paths()).filter((p) => !seen.has(p));
    for (let i = 0; i < gone.length; i += 1000) {
      const part = gone.slice(i, i + 1000);
      removed += await transaction(client, async () => {
        await run(client, `DELETE FROM ${queue.table} WHERE path = ANY($1::text[])`, [part]);
        const rows = await run(client, `DELETE FROM ${table} WHERE id = ANY($1::text[]) RETURNING id`, [
          part,
        ]);
        return rows.length;
      });
    }
  }
  return { queued, removed };
}
