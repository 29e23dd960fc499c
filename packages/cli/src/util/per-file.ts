import type { Writable } from "node:stream";
import { isClipkitError } from "@clipkit/core";

/** A file a command skipped, and why. */
export interface FileFailure {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/** The `--strict` flag shared by every command that takes many files. */
export const STRICT_FLAG = { strict: { type: "boolean" } } as const;

/** Help text of {@link STRICT_FLAG}. */
export const STRICT_USAGE =
  "  --strict            exit non-zero if any file fails (default: skip it with a report and go on)";

/** Errors that concern the whole run, never one file: they stop the command. */
const RUN_WIDE = new Set([
  "ABORTED",
  "SPACE_MISMATCH",
  "MODEL_FILE_MISSING",
  "MODEL_CONFIG_INVALID",
  "MODEL_LAYOUT_UNSUPPORTED",
  "MODEL_TENSOR_MISSING",
  "BACKEND_UNAVAILABLE",
  "INVALID_ARGUMENT",
  // A prompt is the same for every file of a run (labels, a caption or task prompt): it never
  // concerns one image, so it must not be reported once per file.
  "PROMPT_INVALID",
]);

/** Whether `error` stops a many-file run (it concerns every file) rather than skipping one file. */
export function isRunWide(error: unknown): boolean {
  return isClipkitError(error) && RUN_WIDE.has(error.code);
}

/** A skipped file's record from the error that stopped it. */
export function fileFailure(path: string, error: unknown): FileFailure {
  return {
    path,
    code: isClipkitError(error) ? error.code : "IO_FAILED",
    message: error instanceof Error ? error.message : String(error),
  };
}

/**
 * Runs `work` over `paths` in batches; when a batch fails with a per-file error (an undecodable,
 * unreadable, too large or missing file), its files are retried one by one so a bad file costs
 * only itself. Results keep the input order; a skipped file's slot is `undefined`.
 */
export async function mapFiles<T>(
  paths: readonly string[],
  batchSize: number,
  work: (batch: readonly string[]) => Promise<readonly T[]>,
): Promise<{ results: (T | undefined)[]; failed: FileFailure[] }> {
  const results: (T | undefined)[] = new Array(paths.length).fill(undefined);
  const failed: FileFailure[] = [];
  const run = async (start: number, batch: readonly string[]): Promise<void> => {
    try {
      const out = await work(batch);
      out.forEach((r, i) => {
        results[start + i] = r;
      });
    } catch (error) {
      if (isRunWide(error)) throw error;
      if (batch.length === 1) {
        failed.push(fileFailure(batch[0]!, error));
        return;
      }
      for (let i = 0; i < batch.length; i++) await run(start + i, [batch[i]!]);
    }
  };
  for (let start = 0; start < paths.length; start += batchSize) {
    await run(start, paths.slice(start, start + batchSize));
  }
  return { results, failed };
}

/**
 * Prints one `skipped PATH: [CODE] message` line per failure on stderr and returns the exit code:
 * 1 when nothing succeeded (out of at least one file) or, with `strict`, when anything failed.
 */
export function reportFailures(
  stderr: Writable,
  failed: readonly FileFailure[],
  total: number,
  strict: boolean | undefined,
): number {
  for (const f of failed) stderr.write(`skipped ${f.path}: [${f.code}] ${f.message}\n`);
  if (failed.length > 0) {
    stderr.write(`${failed.length} of ${total} files skipped${strict ? " (--strict: failing)" : ""}\n`);
  }
  if (total > 0 && failed.length === total) return 1;
  return strict && failed.length > 0 ? 1 : 0;
}
