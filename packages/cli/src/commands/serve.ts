import type { Command, CommandContext } from "../command.js";
import { startServer } from "../serve/server.js";
import { lazyVlm, type ServedVlm } from "../serve/vlm.js";
import { MAX_THREADS, parseFlags, parsePositiveInt, usageError } from "../util/args.js";

/** setTimeout's largest delay (2³¹ − 1 ms): a longer one fires at once, timing out every request. */
const MAX_TIMER_MS = 2_147_483_647;

import { MODEL_FLAGS, MODEL_FLAGS_USAGE, openModel } from "../util/model.js";
import { resolveModelRef } from "../util/model-ref.js";
import { checkPostgresUrl, isPostgresUrl } from "../util/postgres.js";
import { parseRuntimeFlags } from "../util/runtime.js";

const usage = `Usage: clipkit serve --index FILE|postgres://… [--model DIR] [options]

Serves an index built by 'clipkit index' or 'clipkit index-texts' (a file, or a Postgres table
written by 'clipkit index FOLDER --to postgres://…', searched live with pgvector) over HTTP: POST /search (text,
image bytes or an embedding; k; metadata filter), POST /classify (labels or --head), POST /caption
and POST /ask (with --vlm), GET /healthz,
GET /metrics (Prometheus), GET /openapi.json, and a web UI at /. The index file is reloaded when it
is replaced (as 'clipkit index' does); a failed reload keeps the previous index serving.
Stops on SIGINT/SIGTERM after finishing the requests in flight.

Options:
  --index FILE|URL        index file (flat or HNSW), or postgres://user:pass@host/db (required)
  --table NAME            with a postgres:// index: the rows table (default clipkit_images)
  --schema NAME           with a postgres:// index: its schema (default: the search path)
  --root DIR              with a postgres:// index: the folder its paths are relative to, so the
                          UI can show the images (GET /file/:id); without it they are not served
  --vlm DIR|ID            a captioning/VQA model folder or hub id: enables POST /caption and
                          POST /ask (each graph set loaded on its first request)
  --vlm-dtype D           weights of the --vlm model (default fp32; see --dtype)
  --head FILE             a head saved by 'clipkit head build' or 'clipkit head train', used by
                          /classify without labels
  --host H                address to bind (default 127.0.0.1: this machine only)
  --port N                port (default 8080; 0 picks a free one)
  --token T               require 'Authorization: Bearer T' (also from $CLIPKIT_SERVE_TOKEN)
  --max-concurrency N     requests embedding/searching at once (default 2)
  --queue N               requests allowed to wait; more get 503 (default 64)
  --timeout-ms N          per-request limit, queue wait included; over it: 504 (default 30000)
  --max-body BYTES        largest request body; over it: 413 (default 16777216)
  --no-watch              do not reload the index when its file is replaced
${MODEL_FLAGS_USAGE}
`;

function parsePort(value: string | undefined): number {
  if (value === undefined) return 8080;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw usageError(`--port must be in [0, 65535], got ${JSON.stringify(value)}`, "--port");
  return n;
}

async function runServe(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseFlags(ctx.argv, {
    ...MODEL_FLAGS,
    index: { type: "string" },
    head: { type: "string" },
    vlm: { type: "string" },
    "vlm-dtype": { type: "string" },
    host: { type: "string" },
    port: { type: "string" },
    token: { type: "string" },
    "max-concurrency": { type: "string" },
    queue: { type: "string" },
    "timeout-ms": { type: "string" },
    "max-body": { type: "string" },
    "no-watch": { type: "boolean" },
    table: { type: "string" },
    schema: { type: "string" },
    root: { type: "string" },
  });
  if (positionals.length > 0)
    throw usageError(`unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
  if (!values.index) throw usageError("--index FILE is required", "--index");
  const pg = isPostgresUrl(values.index);
  if (pg) checkPostgresUrl(values.index, "--index");
  for (const flag of ["table", "schema", "root"] as const) {
    if (!pg && values[flag] !== undefined)
      throw usageError(`--${flag} applies to a postgres:// --index`, `--${flag}`);
  }
  const queue = values.queue === "0" ? 0 : parsePositiveInt(values.queue, "--queue", 64);
  const log = (line: string) => ctx.stderr.write(line);
  const token = values.token ?? process.env.CLIPKIT_SERVE_TOKEN;
  if (values["vlm-dtype"] !== undefined && values.vlm === undefined)
    throw usageError("--vlm-dtype needs --vlm", "--vlm-dtype");
  let vlm: ServedVlm | undefined;
  if (values.vlm !== undefined) {
    const runtime = parseRuntimeFlags({
      threads: values.threads,
      device: values.device,
      dtype: values["vlm-dtype"],
    });
    const dir = (await resolveModelRef(values.vlm, { kind: "vlm", dtype: runtime.dtype, stderr: ctx.stderr }))
      .dir;
    vlm = lazyVlm(dir, { backend: runtime.backend, dtype: runtime.dtype });
  }
  const server = await startServer({
    indexPath: values.index,
    ...(pg
      ? {
          postgres: {
            ...(values.table !== undefined ? { table: values.table } : {}),
            ...(values.schema !== undefined ? { schema: values.schema } : {}),
            ...(values.root !== undefined ? { root: values.root } : {}),
          },
        }
      : {}),
    openModel: () => openModel(values, ctx.stderr),
    ...(values.head ? { headPath: values.head } : {}),
    ...(vlm ? { vlm } : {}),
    host: values.host ?? "127.0.0.1",
    port: parsePort(values.port),
    ...(token ? { token } : {}),
    maxConcurrency: parsePositiveInt(values["max-concurrency"], "--max-concurrency", 2, MAX_THREADS),
    maxQueue: queue,
    timeoutMs: parsePositiveInt(values["timeout-ms"], "--timeout-ms", 30_000, MAX_TIMER_MS),
    maxBodyBytes: parsePositiveInt(values["max-body"], "--max-body", 16 * 1024 * 1024),
    watch: !values["no-watch"],
    log,
  });
  const { kind, index } = server.holder.current;
  ctx.stdout.write(`clipkit serve: ${server.url} (${server.holder.path}: ${index.size()} items, ${kind})\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      log(`clipkit serve: ${signal}: finishing requests in flight\n`);
      void server.close().then(resolve);
    };
    const onInt = () => stop("SIGINT");
    const onTerm = () => stop("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  });
  log("clipkit serve: stopped\n");
  return 0;
}

/** `clipkit serve`: the HTTP search service and web UI over an index file. */
export const serveCommand: Command = {
  name: "serve",
  summary: "serve an index over HTTP (search, classify, metrics, web UI)",
  usage,
  // serve drains in-flight requests on SIGINT itself.
  interruptible: true,
  run: runServe,
};
