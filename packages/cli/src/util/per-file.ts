import { resolve } from "node:path";
import type { Writable } from "node:stream";
import { ClipkitError, isClipkitError } from "@clipkit/core";

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

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The reason a file was skipped, without what the skip line already says: the library prefixes a
 * failing image with its place in the batch (`images[3]: `, meaningless once the CLI retried the
 * file alone) and the decoder with the file it read (`PATH: `, or `<bytes>: ` when the bytes were
 * read first). Both are dropped so the line reads `skipped PATH: [CODE] reason`.
 */
export function skipReason(path: string, message: string, file?: string): string {
  const names = [path, resolve(path), file, "<bytes>"].filter((n): n is string => !!n).map(escapeRegExp);
  const prefix = new RegExp(`^(?:images\\[\\d+\\]|${names.join("|")}): `);
  let reason = message;
  for (let next = reason.replace(prefix, ""); next !== reason; next = reason.replace(prefix, ""))
    reason = next;
  return reason;
}

/** A skipped file's record from the error that stopped it. */
export function fileFailure(path: string, error: unknown): FileFailure {
  const file =
    isClipkitError(error) && typeof error.details.file === "string" ? error.details.file : undefined;
  return {
    path,
    code: isClipkitError(error) ? error.code : "IO_FAILED",
    message: skipReason(path, error instanceof Error ? error.message : String(error), file),
  };
}

/**
 * An image error of a command that runs its images as one request (`ask`, `search --image`): the
 * library's `images[i]: ` batch position becomes the file the user typed, named once, e.g.
 * `photo.jpg: cannot decode image: …`. `position` matches the prefix and captures the index into
 * `images`. Other errors are returned as they are.
 */
export function namedImageError(
  error: unknown,
  images: readonly string[],
  position: RegExp = /^images\[(\d+)\]: /,
): unknown {
  if (!isClipkitError(error)) return error;
  const at = position.exec(error.message);
  const path = at ? images[Number(at[1])] : undefined;
  if (path === undefined) return error;
  const file = typeof error.details.file === "string" ? error.details.file : undefined;
  const reason = skipReason(path, error.message.slice(at![0].length), file);
  return new ClipkitError(error.code, `${path}: ${reason}`, {
    cause: error,
    details: { ...error.details, file: path },
  });
}

/** Failure records (a library report's) with their messages reduced by {@link skipReason}. */
export function cleanFailures(failed: readonly FileFailure[]): FileFailure[] {
  return failed.map((f) => ({ path: f.path, code: f.code, message: skipReason(f.path, f.message) }));
}

/** One `skipped PATH: [CODE] reason` line per file (stderr), in the order given. */
export function writeSkipped(stderr: Writable, failed: readonly FileFailure[]): void {
  for (const f of cleanFailures(failed)) stderr.write(`skipped ${f.path}: [${f.code}] ${f.message}\n`);
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
  writeSkipped(stderr, failed);
  if (failed.length > 0) {
    stderr.write(`${failed.length} of ${total} files skipped${strict ? " (--strict: failing)" : ""}\n`);
  }
  if (total > 0 && failed.length === total) return 1;
  return strict && failed.length > 0 ? 1 : 0;
}
