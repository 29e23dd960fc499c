import {
  ClipkitError,
  type HeadFileHeader,
  isClipkitError,
  type LoadHeadOptions,
  loadHead,
  readHeadHeader,
  saveHead,
  type ZeroShotHead,
} from "@clipkit/core";
import { writeFileAtomic } from "./atomic.js";
import { readFileBytes } from "./read-bytes.js";

function withPath<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isClipkitError(error)) {
      throw new ClipkitError(error.code, `${path}: ${error.message}`, {
        cause: error,
        details: { ...error.details, path },
      });
    }
    throw error;
  }
}

/** Saves a zero-shot head to `path` atomically (temp file + rename). */
export async function saveHeadFile(
  path: string,
  head: ZeroShotHead,
  meta?: Readonly<Record<string, unknown>>,
): Promise<void> {
  await writeFileAtomic(path, saveHead(head, meta));
}

/**
 * Loads a head file. `HEAD_CORRUPT` / `SPACE_MISMATCH` errors name the file; a missing file is
 * `NOT_FOUND`, an unreadable one `IO_FAILED`.
 */
export async function loadHeadFile(path: string, options?: LoadHeadOptions): Promise<ZeroShotHead> {
  const bytes = await readFileBytes(path, "head file");
  return withPath(path, () => loadHead(bytes, options));
}

/** Reads only a head file's header (labels, space, scoring, provenance), plus its size. */
export async function readHeadFileInfo(
  path: string,
): Promise<HeadFileHeader & { version: number; bytes: number }> {
  const bytes = await readFileBytes(path, "head file");
  // Full decode validates length and checksum, so `info` never vouches for a damaged file.
  withPath(path, () => loadHead(bytes));
  const { weightsOffset: _, ...header } = readHeadHeader(bytes);
  return { ...header, bytes: bytes.length };
}
