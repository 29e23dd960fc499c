import { readFileBytes } from "@clipkit/backend-node";
import {
  ADAPTED_HEAD_FORMAT_VERSION,
  type AdaptedHead,
  ClipkitError,
  type EmbeddingSpace,
  isClipkitError,
  loadAdaptedHead,
  loadHead,
  readHeadHeader,
  type ZeroShotHead,
} from "@clipkit/core";

/** What to do about a head made for another model, by the command that makes that kind. */
const REBUILD_HINT = {
  build: "rebuild the head for this model with 'clipkit head build'",
  train: "retrain the head for this model with 'clipkit head train'",
} as const;

/** A head file's bytes, read before the model is opened so that a wrong path fails at once. */
export interface HeadFileBytes {
  path: string;
  bytes: Uint8Array;
}

/**
 * Reads a head file for {@link decodeAnyHead}.
 *
 * @throws ClipkitError `NOT_FOUND` (no such file) or `IO_FAILED` (a folder, no permission), naming
 *   `path` and the `flag` it came from.
 */
export async function readAnyHeadFile(path: string, flag = "--head"): Promise<HeadFileBytes> {
  return { path, bytes: await readFileBytes(path, "head file", flag) };
}

/**
 * Decodes a head file of either kind, as every command that takes `--head` must: a zero-shot head
 * (format 1, 'clipkit head build') or a few-shot one (format 2, 'clipkit head train').
 *
 * @throws ClipkitError `HEAD_CORRUPT` (damaged) or `SPACE_MISMATCH` (made for another model), each
 *   naming the file and saying how to remake it.
 */
export function decodeAnyHead(file: HeadFileBytes, space: EmbeddingSpace): ZeroShotHead | AdaptedHead {
  const { path, bytes } = file;
  let version = 0;
  try {
    version = readHeadHeader(bytes).version;
  } catch {
    // Damaged: the zero-shot loader reports it as HEAD_CORRUPT below.
  }
  const adapted = version === ADAPTED_HEAD_FORMAT_VERSION;
  try {
    return adapted ? loadAdaptedHead(bytes, { space }) : loadHead(bytes, { space });
  } catch (error) {
    if (!isClipkitError(error)) throw error;
    // Each kind is remade by the command that makes it.
    const hint =
      error.code === "SPACE_MISMATCH" ? ` — ${adapted ? REBUILD_HINT.train : REBUILD_HINT.build}` : "";
    throw new ClipkitError(error.code, `${path}: ${error.message}${hint}`, {
      cause: error,
      details: { ...error.details, path },
    });
  }
}
