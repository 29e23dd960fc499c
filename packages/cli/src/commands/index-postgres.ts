import { stat } from "node:fs/promises";
import { hostname } from "node:os";
import { indexFolderToPostgres, type PgGalleryReport, type UsearchIndexOptions } from "@clipkit/backend-node";
import { ClipkitError, isClipkitError, type Metadata } from "@clipkit/core";
import type { CommandContext } from "../command.js";
import { MAX_BATCH_SIZE, parsePositiveInt, usageError } from "../util/args.js";
import { openModel } from "../util/model.js";
import { cleanFailures, writeSkipped } from "../util/per-file.js";
import { checkPostgresUrl, connectPostgres, redactUrl } from "../util/postgres.js";
import { commandProgress, createRateBar } from "../util/progress.js";
import type { RuntimeValues } from "../util/runtime.js";

/** The flags of `clipkit index --to postgres://…`. */
export const POSTGRES_INDEX_FLAGS = {
  to: { type: "string" },
  table: { type: "string" },
  schema: { type: "string" },
  workers: { type: "string" },
  lease: { type: "string" },
  "max-attempts": { type: "string" },
  "no-scan": { type: "boolean" },
  "retry-failed": { type: "boolean" },
  "keep-missing": { type: "boolean" },
  meta: { type: "string", multiple: true },
} as const;

/** Help text of {@link POSTGRES_INDEX_FLAGS}. */
export const POSTGRES_INDEX_USAGE = `Postgres + pgvector (instead of --out; one shared index for many workers and machines):
  --to URL            postgres://user:pass@host:5432/db: index into a table there
  --table NAME        rows table (default clipkit_images; jobs in NAME_jobs)
  --schema NAME       schema of both tables (default: the search path)
  --workers N         claim loops in this process, one connection each, sharing the model (default 1)
  --lease SECONDS     a claimed batch is re-claimed by others when not renewed for this long (default 60)
  --max-attempts N    claims of one file before it is marked failed as WORKER_LOST (default 3)
  --no-scan           do not walk the folder; only work on jobs queued by another run
  --retry-failed      queue files that failed before even if they did not change
  --keep-missing      keep rows of files no longer in the folder (default: delete them)
  --meta KEY=VALUE    metadata stored with every row of this run (repeatable)
  --ann               create pgvector's HNSW index (--connectivity = m, --ef-construction, --ef = ef_search)
  --batch-size N      files per claimed batch and model call (default 32)`;

/** Raw flag values the Postgres path reads. */
export interface PostgresIndexValues extends RuntimeValues {
  model?: string | undefined;
  to?: string | undefined;
  table?: string | undefined;
  schema?: string | undefined;
  workers?: string | undefined;
  lease?: string | undefined;
  "max-attempts"?: string | undefined;
  "no-scan"?: boolean | undefined;
  "retry-failed"?: boolean | undefined;
  "keep-missing"?: boolean | undefined;
  meta?: string[] | undefined;
  storage?: string | undefined;
  checkpoint?: string | undefined;
  prune?: boolean | undefined;
  wait?: boolean | undefined;
  json?: boolean | undefined;
}

function parseMeta(values: readonly string[] | undefined): Metadata {
  const out: Record<string, string> = {};
  for (const item of values ?? []) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw usageError(`--meta must be KEY=VALUE, got ${JSON.stringify(item)}`, "--meta");
    const key = item.slice(0, eq);
    if (["path", "size", "mtime", "sha256"].includes(key))
      throw usageError(`--meta ${key}: that key is set by clipkit for every file`, "--meta");
    out[key] = item.slice(eq + 1);
  }
  return out;
}

function parseLease(value: string | undefined): number {
  if (value === undefined) return 60;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.1 || n > 86_400)
    throw usageError(`--lease must be seconds in [0.1, 86400], got ${JSON.stringify(value)}`, "--lease");
  return n;
}

/**
 * `clipkit index FOLDER --to postgres://…`: one folder (rows are keyed by paths relative to it, so
 * every machine may mount the corpus elsewhere), any number of runs at once.
 */
export async function indexToPostgres(
  ctx: CommandContext,
  values: PostgresIndexValues,
  positionals: readonly string[],
  ann: UsearchIndexOptions | undefined,
): Promise<number> {
  const url = checkPostgresUrl(values.to!, "--to");
  if (positionals.length !== 1)
    throw usageError("--to indexes one folder: clipkit index FOLDER --to postgres://… (see --help)");
  if (values.storage !== undefined)
    throw usageError("--storage applies to index files, not --to", "--storage");
  const folder = positionals[0]!;
  const s = await stat(folder).catch(() => undefined);
  if (!s?.isDirectory())
    throw new ClipkitError("NOT_FOUND", `${folder}: not a folder (--to indexes one folder)`, {
      details: { argument: "folder", file: folder },
    });
  const options = {
    ...(values.table !== undefined ? { table: values.table } : {}),
    ...(values.schema !== undefined ? { schema: values.schema } : {}),
    ...(ann
      ? {
          hnsw: {
            ...(ann.connectivity !== undefined ? { m: ann.connectivity } : {}),
            ...(ann.expansionAdd !== undefined ? { efConstruction: ann.expansionAdd } : {}),
            ...(ann.expansionSearch !== undefined ? { efSearch: ann.expansionSearch } : {}),
          },
        }
      : {}),
    workers: parsePositiveInt(values.workers, "--workers", 1, 64),
    batchSize: parsePositiveInt(values["batch-size"], "--batch-size", 32, MAX_BATCH_SIZE),
    leaseSeconds: parseLease(values.lease),
    maxAttempts: parsePositiveInt(values["max-attempts"], "--max-attempts", 3),
    scan: !values["no-scan"],
    removeMissing: !values["keep-missing"],
    retryFailed: values["retry-failed"] ?? false,
    metadata: parseMeta(values.meta),
    worker: `${hostname()}:${process.pid}`,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
  // Connect once before loading the model: a wrong URL or a stopped server is reported at once.
  await (await connectPostgres(url)).end?.();
  const model = await openModel(values, ctx.stderr);
  const progress = commandProgress(ctx, "images embedded", () => createRateBar(ctx.stderr, "images"));
  let report: PgGalleryReport;
  try {
    report = await indexFolderToPostgres(() => connectPostgres(url), model, folder, {
      ...options,
      onProgress: (d, t) => progress.update(d, t),
    });
  } catch (error) {
    if (!isClipkitError(error, "ABORTED")) throw error;
    progress.finish();
    ctx.stderr.write(
      "clipkit index: interrupted; every committed batch is kept and unfinished claims were released; re-run to resume\n",
    );
    return 130;
  } finally {
    progress.finish();
    await model.release();
  }
  const where = `${redactUrl(url)} table ${report.table}`;
  const failed = cleanFailures(report.failed);
  if (values.json) {
    ctx.stdout.write(`${JSON.stringify({ to: redactUrl(url), ...report, failed }, null, 2)}\n`);
  } else {
    ctx.stdout.write(
      `${where}: ${report.size} images (this run: ${report.queued} queued, ${report.embedded} embedded, ${report.unchanged} unchanged, ${report.removed} removed, ${report.failed.length} failed; all jobs: ${report.jobs.done} done, ${report.jobs.failed} failed)\n`,
    );
  }
  writeSkipped(ctx.stderr, failed);
  return 0;
}
