import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { ClipkitError } from "@clipkit/core";

/** Largest text input a flag may name (labels, captions, queries): far above any real list. */
export const MAX_TEXT_FILE_BYTES = 256 * 1024 * 1024;

/**
 * Reads a text file a flag names (`--labels-file`, `--texts`, `--queries-file`, a captions file)
 * as UTF-8, refusing what is not text rather than turning it into labels or captions: a directory
 * or device (`IO_FAILED`), more than {@link MAX_TEXT_FILE_BYTES} (`INVALID_ARGUMENT`, read no
 * further, so a pipe cannot exhaust memory), or bytes that are not UTF-8 or hold NUL — an image
 * given where a list was meant (`INVALID_ARGUMENT`, with the line).
 *
 * @param what how the message names the input, e.g. `--labels-file` or `captions file`.
 */
export async function readTextFile(path: string, what: string): Promise<string> {
  const fail = (code: "IO_FAILED" | "INVALID_ARGUMENT", message: string, cause?: unknown): ClipkitError =>
    new ClipkitError(code, `${what} ${path}: ${message}`, {
      ...(cause === undefined ? {} : { cause }),
      details: { argument: what, path },
    });
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw fail("IO_FAILED", `cannot read it: ${(error as Error).message}`, error);
  }
  if (info.isDirectory()) throw fail("IO_FAILED", "is a directory, not a text file");
  // Regular files, and pipes (`--labels-file <(…)`, /dev/stdin); devices such as /dev/zero never end.
  if (!info.isFile() && !info.isFIFO()) throw fail("IO_FAILED", "is not a regular file or a pipe");
  if (info.isFile() && info.size > MAX_TEXT_FILE_BYTES) {
    throw fail(
      "INVALID_ARGUMENT",
      `${info.size} bytes is more than the ${MAX_TEXT_FILE_BYTES} a text list may hold`,
    );
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      const buf = chunk as Buffer;
      total += buf.length;
      if (total > MAX_TEXT_FILE_BYTES) {
        throw fail("INVALID_ARGUMENT", `more than the ${MAX_TEXT_FILE_BYTES} bytes a text list may hold`);
      }
      chunks.push(buf);
    }
  } catch (error) {
    if (error instanceof ClipkitError) throw error;
    throw fail("IO_FAILED", `cannot read it: ${(error as Error).message}`, error);
  }
  const bytes = Buffer.concat(chunks);
  const nul = bytes.indexOf(0);
  let text: string | undefined;
  if (nul < 0) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      // Not UTF-8: reported below with the first bad line.
    }
  }
  if (text === undefined) {
    const before =
      nul >= 0
        ? bytes.subarray(0, nul).toString("latin1")
        : (() => {
            const lossy = new TextDecoder("utf-8").decode(bytes);
            return lossy.slice(0, lossy.indexOf("\uFFFD"));
          })();
    const line = before.split("\n").length;
    throw fail(
      "INVALID_ARGUMENT",
      `is not UTF-8 text (binary data on line ${line}; an image or an archive?)`,
    );
  }
  // A UTF-8 byte order mark (Windows editors) is not part of the first entry.
  return text.startsWith("\uFEFF") ? text.slice(1) : text;
}
