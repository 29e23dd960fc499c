import { Worker, type WorkerOptions } from "node:worker_threads";

/** Node options that install module loaders (`--import tsx`, `--loader ts-node/esm`, …). */
const LOADER_FLAGS = ["--import", "--loader", "--experimental-loader"] as const;

/**
 * The parent's `execArgv` without module-loader options, for a worker that runs built JavaScript;
 * `undefined` when there is nothing to drop (the worker then inherits `execArgv` as Node does by
 * default). A worker inherits `execArgv`, so a process started with `--import tsx` loads tsx (and
 * its esbuild service) again in every decode worker: on a busy 2-core machine that doubled a
 * worker's boot (0.55 → 1.1 s) and took CPU from the session creation the worker is meant to
 * overlap (see docs/performance.md, cold start). Other options (`--require`, `--conditions`,
 * warnings…) stay.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const flag = LOADER_FLAGS.find((f) => arg === f || arg.startsWith(`${f}=`));
    if (!flag) out.push(arg);
    else if (arg === flag) i++; // the loader is the next argument
  }
  return out.length === execArgv.length ? undefined : out;
}

/**
 * The flags a failed `new Worker` named in its `ERR_WORKER_INVALID_EXEC_ARGV` message ("…invalid
 * execArgv flags: --a=1, --b"), or none when `error` is something else.
 */
export function invalidExecArgv(error: unknown): string[] {
  if ((error as { code?: unknown })?.code !== "ERR_WORKER_INVALID_EXEC_ARGV") return [];
  const list = /flags: (.*)$/s.exec((error as Error).message)?.[1];
  return list ? list.split(", ").map((s) => s.trim()) : [];
}

/**
 * Starts a worker on built JavaScript with {@link workerExecArgv}. An explicit `execArgv` may not
 * hold V8 or process-wide options (`--max-old-space-size`, `--expose-gc`, `--title`…), which Node
 * accepts when a worker inherits them but refuses when they are passed: a user's
 * `node --max-old-space-size=4096 --import tsx app.ts` must still get its decode workers. So the
 * options Node names as invalid are dropped (V8 limits then take the worker defaults, as an
 * inherited one would for most), and if Node still refuses, the worker inherits everything.
 */
export function startWorker(url: URL, execArgv: readonly string[], options: WorkerOptions = {}): Worker {
  const wanted = workerExecArgv(execArgv);
  if (!wanted) return new Worker(url, options);
  try {
    return new Worker(url, { ...options, execArgv: wanted });
  } catch (error) {
    const invalid = new Set(invalidExecArgv(error));
    if (invalid.size === 0) throw error;
    try {
      return new Worker(url, { ...options, execArgv: wanted.filter((a) => !invalid.has(a)) });
    } catch (again) {
      if (invalidExecArgv(again).length === 0) throw again;
      return new Worker(url, options);
    }
  }
}
