import { ClipkitError } from "@clipkit/core";
import { checkInt, quoteIdentifier, run, type SqlClient, serialized, transaction } from "./sql.js";

/** One file's job as a worker claims it. */
export interface ClaimedJob {
  /** Path relative to the indexed folder, `/`-separated: the same on every machine. */
  path: string;
  size: number;
  mtimeMs: number;
  /** Claims of this job so far, this one included (2+ means an earlier worker lost its lease). */
  attempts: number;
}

/** Counts of the job table by state. */
export interface JobCounts {
  pending: number;
  running: number;
  done: number;
  failed: number;
}

/** A job that failed for good, with the error recorded in its row. */
export interface JobFailure {
  path: string;
  code: string;
  message: string;
}

/**
 * The job table of a Postgres image index: one row per file (`path` primary key) with its size and
 * mtime as last scanned, a state (`pending` → `running` → `done` | `failed`), the claim token and
 * lease expiry of the worker holding it, attempts and the last error. Claims use
 * `FOR UPDATE SKIP LOCKED`, so concurrent workers on any number of machines never take the same
 * row; a lease that is not renewed expires and the job is claimed again (a killed worker's batch is
 * not lost). A job whose lease expired `maxAttempts` times is marked failed (`WORKER_LOST`) rather
 * than crashing worker after worker. Every write is fenced by the claim token, so a worker whose
 * lease was taken over commits nothing.
 */
export class PgJobQueue {
  /** Quoted, possibly schema-qualified table name. */
  readonly table: string;

  constructor(
    readonly client: SqlClient,
    table: string,
    schema?: string,
  ) {
    const name = quoteIdentifier(table, "jobs table");
    this.table = schema === undefined ? name : `${quoteIdentifier(schema, "schema")}.${name}`;
  }

  /** Creates the table if missing (run inside the caller's set-up transaction). */
  async create(): Promise<void> {
    await run(
      this.client,
      `CREATE TABLE IF NOT EXISTS ${this.table} (
        path text PRIMARY KEY,
        size bigint NOT NULL,
        mtime_ms double precision NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        claim text,
        worker text,
        lease_until timestamptz,
        error_code text,
        error text,
        updated_at timestamptz NOT NULL DEFAULT now())`,
    );
  }

  /**
   * Inserts jobs for scanned files, idempotently: a new path is queued, a known one is queued
   * again only when its size or mtime changed (or, with `retryFailed`, when it failed). Unchanged
   * done files stay done, so every machine may scan the same folder. Returns the paths queued.
   */
  async enqueue(
    files: readonly { path: string; size: number; mtimeMs: number }[],
    retryFailed = false,
  ): Promise<string[]> {
    if (files.length === 0) return [];
    const rows = await transaction(this.client, () =>
      run<{ path: string }>(
        this.client,
        `INSERT INTO ${this.table} AS j (path, size, mtime_ms)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::double precision[])
         ON CONFLICT (path) DO UPDATE SET size = EXCLUDED.size, mtime_ms = EXCLUDED.mtime_ms,
           state = 'pending', attempts = 0, claim = NULL, worker = NULL, lease_until = NULL,
           error_code = NULL, error = NULL, updated_at = now()
         WHERE j.size <> EXCLUDED.size OR j.mtime_ms <> EXCLUDED.mtime_ms
           OR ($4::boolean AND j.state = 'failed')
         RETURNING path`,
        [files.map((f) => f.path), files.map((f) => f.size), files.map((f) => f.mtimeMs), retryFailed],
      ),
    );
    return rows.map((r) => r.path);
  }

  /** Every path in the table (for reconciling deletions after a full scan). */
  async paths(): Promise<string[]> {
    const rows = await serialized(this.client, () =>
      run<{ path: string }>(this.client, `SELECT path FROM ${this.table}`),
    );
    return rows.map((r) => r.path);
  }

  /**
   * Claims up to `limit` jobs for `claim` (a token unique to this batch): pending ones, and running
   * ones whose lease expired. Jobs whose lease expired `maxAttempts` times are first marked failed.
   * One autocommitted statement, so no transaction stays open while the batch is embedded.
   */
  async claim(
    claim: string,
    worker: string,
    options: { limit: number; leaseSeconds: number; maxAttempts: number },
  ): Promise<ClaimedJob[]> {
    const limit = checkInt(options.limit, "limit", 1, 100_000);
    const maxAttempts = checkInt(options.maxAttempts, "maxAttempts", 1, 1000);
    return transaction(this.client, async () => {
      await run(
        this.client,
        `UPDATE ${this.table} SET state = 'failed', claim = NULL, lease_until = NULL, error_code = 'WORKER_LOST',
           error = 'the worker holding this file stopped renewing its lease ' || attempts || ' times (killed or crashed while embedding it)',
           updated_at = now()
         WHERE state = 'running' AND lease_until < now() AND attempts >= $1`,
        [maxAttempts],
      );
      const rows = await run<{ path: string; size: string | number; mtime_ms: number; attempts: number }>(
        this.client,
        `UPDATE ${this.table} SET state = 'running', claim = $1, worker = $2, attempts = attempts + 1,
           lease_until = now() + make_interval(secs => $3), updated_at = now()
         WHERE path IN (
           SELECT path FROM ${this.table}
           WHERE state = 'pending' OR (state = 'running' AND lease_until < now())
           ORDER BY path LIMIT $4 FOR UPDATE SKIP LOCKED)
         RETURNING path, size, mtime_ms, attempts`,
        [claim, worker, options.leaseSeconds, limit],
      );
      return rows
        .map((r) => ({
          path: r.path,
          size: Number(r.size),
          mtimeMs: Number(r.mtime_ms),
          attempts: Number(r.attempts),
        }))
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    });
  }

  /** Extends the lease of a claim; returns how many of its jobs it still holds. */
  async renew(claim: string, leaseSeconds: number): Promise<number> {
    const rows = await transaction(this.client, () =>
      run(
        this.client,
        `UPDATE ${this.table} SET lease_until = now() + make_interval(secs => $2)
         WHERE claim = $1 AND state = 'running' RETURNING path`,
        [claim, leaseSeconds],
      ),
    );
    return rows.length;
  }

  /**
   * Marks the claim's jobs among `paths` done and returns those it still held. Call inside the
   * transaction that writes their rows, so results and completion commit together; a job no longer
   * held (lease taken over, file changed and re-queued) is left alone and its row must not be written.
   */
  async markDone(claim: string, paths: readonly string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    const rows = await run<{ path: string }>(
      this.client,
      `UPDATE ${this.table} SET state = 'done', claim = NULL, lease_until = NULL, error_code = NULL,
         error = NULL, updated_at = now()
       WHERE claim = $1 AND state = 'running' AND path = ANY($2::text[]) RETURNING path`,
      [claim, [...paths]],
    );
    return new Set(rows.map((r) => r.path));
  }

  /** Records failures of the claim's jobs (same transaction rules as {@link markDone}). */
  async markFailed(claim: string, failures: readonly JobFailure[]): Promise<Set<string>> {
    if (failures.length === 0) return new Set();
    const rows = await run<{ path: string }>(
      this.client,
      `UPDATE ${this.table} AS j SET state = 'failed', claim = NULL, lease_until = NULL,
         error_code = f.code, error = f.message, updated_at = now()
       FROM unnest($2::text[], $3::text[], $4::text[]) AS f(path, code, message)
       WHERE j.claim = $1 AND j.state = 'running' AND j.path = f.path RETURNING j.path`,
      [claim, failures.map((f) => f.path), failures.map((f) => f.code), failures.map((f) => f.message)],
    );
    return new Set(rows.map((r) => r.path));
  }

  /** Gives a claim's unfinished jobs back (an interrupted worker), undoing their attempt count. */
  async release(claim: string): Promise<number> {
    const rows = await transaction(this.client, () =>
      run(
        this.client,
        `UPDATE ${this.table} SET state = 'pending', claim = NULL, lease_until = NULL,
           attempts = greatest(attempts - 1, 0), updated_at = now()
         WHERE claim = $1 AND state = 'running' RETURNING path`,
        [claim],
      ),
    );
    return rows.length;
  }

  /** Jobs per state. */
  async counts(): Promise<JobCounts> {
    const rows = await serialized(this.client, () =>
      run<{ state: string; n: string | number }>(
        this.client,
        `SELECT state, count(*) AS n FROM ${this.table} GROUP BY state`,
      ),
    );
    const out: JobCounts = { pending: 0, running: 0, done: 0, failed: 0 };
    for (const r of rows) {
      if (r.state in out) out[r.state as keyof JobCounts] = Number(r.n);
    }
    return out;
  }

  /** Failed jobs with their recorded errors (at most `limit`, by path). */
  async failures(limit = 1000): Promise<JobFailure[]> {
    const rows = await transaction(this.client, () =>
      run<{ path: string; error_code: string | null; error: string | null }>(
        this.client,
        `SELECT path, error_code, error FROM ${this.table} WHERE state = 'failed' ORDER BY path LIMIT $1`,
        [limit],
      ),
    );
    return rows.map((r) => ({ path: r.path, code: r.error_code ?? "UNKNOWN", message: r.error ?? "" }));
  }
}

/** Throws `INVALID_ARGUMENT` unless `seconds` is a usable lease length. */
export function checkLeaseSeconds(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 86_400) {
    throw new ClipkitError("INVALID_ARGUMENT", `leaseSeconds must be in [0.1, 86400], got ${seconds}`, {
      details: { argument: "leaseSeconds", value: seconds },
    });
  }
  return seconds;
}
