import { ClipkitError, type ModelFiles } from "@clipkit/core";
import { checkModelPath } from "./path.js";

/** Options of {@link blobFiles}. */
export interface BlobFilesOptions {
  /** Name for error messages (default `"selected files"`). */
  location?: string;
}

/**
 * Model files the user picked or dropped: a `Map` of model-relative path → `Blob`, or `File`s.
 * A `File` from a folder picker (`<input webkitdirectory>`) is keyed by its path below the picked
 * folder; a loose file by its name. A path that matches no key falls back to the one file with the
 * same base name, so dropping `text_model.onnx` serves `onnx/text_model.onnx`.
 */
export function blobFiles(
  files: readonly File[] | ReadonlyMap<string, Blob>,
  options: BlobFilesOptions = {},
): ModelFiles {
  const byPath = new Map<string, Blob>();
  if (files instanceof Map) {
    for (const [path, blob] of files) byPath.set(checkModelPath(path), blob);
  } else {
    for (const file of files as readonly File[]) {
      const rel = file.webkitRelativePath ? file.webkitRelativePath.split("/").slice(1).join("/") : file.name;
      byPath.set(rel || file.name, file);
    }
  }
  const location = options.location ?? "selected files";
  const find = (path: string): Blob | undefined => {
    const exact = byPath.get(checkModelPath(path));
    if (exact) return exact;
    const name = path.slice(path.lastIndexOf("/") + 1);
    const same = [...byPath].filter(([key]) => key.slice(key.lastIndexOf("/") + 1) === name);
    return same.length === 1 ? same[0]![1] : undefined;
  };
  return {
    location,
    async exists(path) {
      return find(path) !== undefined;
    },
    async read(path) {
      const blob = find(path);
      if (!blob) {
        throw new ClipkitError("MODEL_FILE_MISSING", `model file ${path} is not among the ${location}`, {
          details: { file: path, available: [...byPath.keys()] },
        });
      }
      return new Uint8Array(await blob.arrayBuffer());
    },
    async readText(path) {
      return new TextDecoder().decode(await this.read(path));
    },
  };
}
