import { Writable } from "node:stream";
import { main } from "../main.js";

/** Runs the CLI in-process with captured stdout/stderr (a test helper). */
export async function runCliCaptured(
  argv: readonly string[],
  options: { stderrIsTTY?: boolean; progressIntervalMs?: number; signal?: AbortSignal } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = new Writable({
    write(chunk, _enc, cb) {
      stdout += String(chunk);
      cb();
    },
  });
  const err = new Writable({
    write(chunk, _enc, cb) {
      stderr += String(chunk);
      cb();
    },
  });
  if (options.stderrIsTTY) (err as Writable & { isTTY?: boolean }).isTTY = true;
  const code = await main(argv, {
    stdout: out,
    stderr: err,
    isTTY: false,
    // Periodic progress lines only when a test asks for them, so other tests see a clean stderr.
    progressIntervalMs: options.progressIntervalMs ?? Number.POSITIVE_INFINITY,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout, stderr };
}
