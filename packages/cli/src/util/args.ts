import { type ParseArgsConfig, parseArgs } from "node:util";
import { ClipkitError } from "@clipkit/core";
import { emojiModelDir } from "@clipkit/model-emoji";
import { readTextFile } from "./text-file.js";

/** A usage mistake on the command line: `INVALID_ARGUMENT` naming the flag. */
export function usageError(message: string, flag?: string): ClipkitError {
  return new ClipkitError("INVALID_ARGUMENT", message, { details: flag ? { argument: flag } : {} });
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * `node:util` parseArgs in strict mode with positionals, turning its `TypeError`s (unknown flag,
 * missing value) into `INVALID_ARGUMENT` so main() prints them as usage errors, not crashes.
 */
export function parseFlags<O extends Options>(
  argv: readonly string[],
  options: O,
): ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(`${error instanceof Error ? error.message : String(error)} (see --help)`);
  }
}

/**
 * The model folder to use. The flag wins; without one the bundled demo model
 * (`@clipkit/model-emoji`, a small CLIP trained on emoji) is used and `note` says so — on stderr
 * by default, so stdout stays clean for results.
 */
export function resolveModelDir(
  flag: string | undefined,
  note: (line: string) => void = (line) => process.stderr.write(line),
): string {
  if (flag !== undefined && flag.trim() !== "") return flag;
  note(
    "clipkit: no --model given, using the bundled demo model @clipkit/model-emoji (a small CLIP trained on emoji; pass --model DIR for a real one)\n",
  );
  return emojiModelDir;
}

/** Splits comma-separated values (also across repeated flags), trimming and dropping empties. */
export function parseList(values: string | readonly string[] | undefined): string[] {
  const all = values === undefined ? [] : typeof values === "string" ? [values] : values;
  return all
    .flatMap((v) => v.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * Upper bounds of flags whose value sizes threads or buffers in native code (onnxruntime, usearch):
 * far above any useful setting, low enough that a typo cannot spawn 10⁶ threads or reserve
 * gigabytes before the first image.
 */
export const MAX_THREADS = 1024;
export const MAX_BATCH_SIZE = 4096;
export const MAX_HNSW_EF = 100_000;
export const MAX_HNSW_CONNECTIVITY = 1024;

/** Parses a positive integer flag value (at most `max`); `fallback` when absent. */
export function parsePositiveInt(
  value: string | undefined,
  flag: string,
  fallback: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  return parseIntFlag(value, flag, fallback, 1, max);
}

/**
 * Parses a whole-number flag in `[min, max]`: decimal digits only (no `1e3`, `0x10`, fractions or
 * signs) and a safe integer, so what reaches onnxruntime, usearch or a timer is what was typed. A
 * value out of range is `INVALID_ARGUMENT` naming the flag and the range.
 */
export function parseIntFlag(
  value: string | undefined,
  flag: string,
  fallback: number,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  const text = value.trim();
  const n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  const what =
    min === 1 ? "a positive integer" : min === 0 ? "a non-negative integer" : `an integer ≥ ${min}`;
  if (!Number.isSafeInteger(n) || n < min)
    throw usageError(`${flag} must be ${what}, got ${JSON.stringify(value)}`, flag);
  if (n > max) throw usageError(`${flag} must be at most ${max}, got ${JSON.stringify(value)}`, flag);
  return n;
}

/** Parses a finite number flag value; `undefined` when absent. */
export function parseNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n))
    throw usageError(`${flag} must be a number, got ${JSON.stringify(value)}`, flag);
  return n;
}

/**
 * Reads a list file: one entry per line, blank lines and `#` comments skipped. Labels may contain
 * commas this way, which `--labels a,b,c` cannot express.
 */
export async function readListFile(path: string, flag: string): Promise<string[]> {
  const text = await readTextFile(path, flag);
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}
