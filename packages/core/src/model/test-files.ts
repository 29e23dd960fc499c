import type { ModelFiles } from "../backend/session.js";
import { ClipkitError } from "../errors.js";

/**
 * An in-memory {@link ModelFiles} for tests and for callers holding uploaded files: paths map to
 * bytes or text.
 */
export function memoryFiles(
  entries: Readonly<Record<string, Uint8Array | string>>,
  location = "memory:",
): ModelFiles {
  const get = (path: string): Uint8Array => {
    const v = entries[path];
    if (v === undefined) {
      throw new ClipkitError("MODEL_FILE_MISSING", `${location}: ${path} is missing`, {
        details: { file: path },
      });
    }
    return typeof v === "string" ? new TextEncoder().encode(v) : v;
  };
  return {
    location,
    exists: async (path) => entries[path] !== undefined,
    read: async (path) => get(path),
    readText: async (path) => new TextDecoder().decode(get(path)),
  };
}
