import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ClipkitError } from "@clipkit/core";

/**
 * Checks, before any work, that `path` can be written the way {@link writeFileAtomic} writes it:
 * its folder exists and is writable (a temp file is created there, then renamed), and an existing
 * `path` is a regular file. Throws `IO_FAILED` naming the real path — found up front instead of
 * after the first checkpoint's worth of embedding.
 */
export async function assertWritableFile(path: string, argument = "path"): Promise<void> {
  const target = resolve(path);
  const folder = dirname(target);
  const fail = (why: string, cause?: unknown) =>
    new ClipkitError("IO_FAILED", `cannot write ${target}: ${why}`, {
      ...(cause ? { cause } : {}),
      details: { file: target, argument },
    });
  const dir = await stat(folder).catch(() => undefined);
  if (!dir) throw fail(`the folder ${folder} does not exist`);
  if (!dir.isDirectory()) throw fail(`${folder} is not a folder`);
  try {
    await access(folder, constants.W_OK);
  } catch (error) {
    throw fail(`the folder ${folder} is not writable`, error);
  }
  const file = await stat(target).catch(() => undefined);
  if (file && !file.isFile()) throw fail("it exists and is not a regular file");
}
