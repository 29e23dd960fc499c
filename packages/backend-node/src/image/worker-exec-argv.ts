/** Node options that install module loaders (`--import tsx`, `--loader ts-node/esm`, …). */
const LOADER_FLAGS = ["--import", "--loader", "--experimental-loader"] as const;

/**
 * The parent's `execArgv` without module-loader options, for a worker that runs built JavaScript.
 * A worker inherits `execArgv`, so a process started with `--import tsx` loads tsx (and its
 * esbuild service) again in every decode worker: on a busy 2-core machine that doubled a worker's
 * boot (0.55 → 1.1 s) and took CPU from the session creation the worker is meant to overlap (see
 * docs/performance.md, cold start). Other options (`--require`, `--conditions`, warnings…) stay.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const flag = LOADER_FLAGS.find((f) => arg === f || arg.startsWith(`${f}=`));
    if (!flag) out.push(arg);
    else if (arg === flag) i++; // the loader is the next argument
  }
  return out;
}
