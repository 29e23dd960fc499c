import { readFile } from "node:fs/promises";
import { ClipkitError } from "@clipkit/core";

/**
 * Reads a whole file that the user named (an index, a head file). A missing file (or a path through
 * a file) is `NOT_FOUND`, anything else (a folder, no permission) `IO_FAILED`; both name the file
 * as `what`, and `argument` (e.g. `--head`) when the path came from a flag.
 */
export async function readFileBytes(path: string, what: string, argument?: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    const code = errno === "ENOENT" || errno === "ENOTDIR" ? "NOT_FOUND" : "IO_FAILED";
    const where = argument ? `${argument} ${path}: cannot read the ${what}` : `cannot read ${what} ${path}`;
    throw new ClipkitError(code, `${where}: ${(error as Error).message}`, {
      cause: error,
      details: argument ? { path, argument } : { path },
    });
  }
}
