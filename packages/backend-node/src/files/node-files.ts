import { access, readFile } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { ClipkitError, type ModelFiles } from "@clipkit/core";

/**
 * {@link ModelFiles} over a folder on disk. Paths are relative with `/` separators; a path that
 * escapes the folder (`../x`) is rejected rather than read.
 */
export function nodeFiles(dir: string): ModelFiles {
  const root = resolve(dir);
  const full = (path: string): string => {
    const p = resolve(root, path);
    if (p !== root && !p.startsWith(root + sep)) {
      throw new ClipkitError("INVALID_ARGUMENT", `${path} is outside the model folder ${root}`, {
        details: { argument: "path", path },
      });
    }
    return p;
  };
  const read = async (path: string): Promise<Uint8Array> => {
    const file = full(path);
    try {
      const buf = await readFile(file);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") {
        throw new ClipkitError("MODEL_FILE_MISSING", `${root}: ${path} is missing`, {
          cause: error,
          details: { file: path, location: root },
        });
      }
      throw new ClipkitError("IO_FAILED", `${root}: cannot read ${path}`, {
        cause: error,
        details: { file: path },
      });
    }
  };
  return {
    location: root,
    async exists(path) {
      try {
        await access(full(path));
        return true;
      } catch {
        return false;
      }
    },
    read,
    async readText(path) {
      return new TextDecoder().decode(await read(path));
    },
  };
}
