import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ClipkitError } from "@clipkit/core";

/**
 * Writes `data` to `path` atomically: a temp file in the same directory, fsync, then rename over
 * the target. Readers see the old file or the new one, never a torn write, and a crash leaves at
 * most a stray `.tmp` file. Failures throw `IO_FAILED` naming the path.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(tmp, "wx");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new ClipkitError("IO_FAILED", `cannot write ${path}: ${(error as Error).message}`, {
      cause: error,
      details: { path },
    });
  }
}
