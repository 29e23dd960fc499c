import { readFile } from "node:fs/promises";
import { loadHeadFile } from "@clipkit/backend-node";
import {
  ADAPTED_HEAD_FORMAT_VERSION,
  type AdaptedHead,
  ClipkitError,
  type EmbeddingSpace,
  isClipkitError,
  loadAdaptedHead,
  readHeadHeader,
  type ZeroShotHead,
} from "@clipkit/core";

/** What to do about a head made for another model, by the command that makes that kind. */
export const REBUILD_HINT = {
  build: "rebuild the head for this model with 'clipkit head build'",
  train: "retrain the head for this model with 'clipkit head train'",
} as const;

/**
 * Loads a head file of either kind, as every command that takes `--head` must: a zero-shot head
 * (format 1, 'clipkit head build') or a few-shot one (format 2, 'clipkit head train').
 *
 * @throws ClipkitError `NOT_FOUND`/`IO_FAILED` (unreadable), `HEAD_CORRUPT` (damaged),
 *   `SPACE_MISMATCH` (made for another model), each naming `path`.
 */
export async function loadAnyHeadFile(
  path: string,
  space: EmbeddingSpace,
): Promise<ZeroShotHead | AdaptedHead> {
  let version = 0;
  let bytes = new Uint8Array(0);
  try {
    bytes = new Uint8Array(await readFile(path));
    version = readHeadHeader(bytes).version;
  } catch {
    // Missing, unreadable or damaged: the zero-shot loader reports it with its stable codes.
  }
  if (version !== ADAPTED_HEAD_FORMAT_VERSION) {
    try {
      return await loadHeadFile(path, { space });
    } catch (error) {
      if (!isClipkitError(error, "SPACE_MISMATCH")) throw error;
      throw new ClipkitError("SPACE_MISMATCH", `${error.message} — ${REBUILD_HINT.build}`, {
        cause: error,
        details: error.details,
      });
    }
  }
  try {
    return loadAdaptedHead(bytes, { space });
  } catch (error) {
    if (isClipkitError(error)) {
      // A few-shot head is remade by training, not by 'head build' (the hint classify adds otherwise).
      const hint = error.code === "SPACE_MISMATCH" ? ` — ${REBUILD_HINT.train}` : "";
      throw new ClipkitError(error.code, `${path}: ${error.message}${hint}`, {
        cause: error,
        details: { ...error.details, path },
      });
    }
    throw error;
  }
}
