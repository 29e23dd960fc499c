import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ClipkitError } from "@clipkit/core";

/**
 * Replaces `path` with `data` so that readers — and a process that is killed or loses power
 * mid-save — see either the complete old file or the complete new one:
 * temp file in the same directory → write → fsync → rename over the target → fsync the directory
 * (so the rename itself is durable). A crash leaves at most a stray `.tmp` file next to it.
 * Failures throw `IO_FAILED` naming the path.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
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
  // Directory fsync is not supported everywhere (Windows): durability there rests on rename.
  const d = await open(dir, "r").catch(() => undefined);
  if (d)
    await d
      .sync()
      .catch(() => {})
      .finally(() => d.close());
}
