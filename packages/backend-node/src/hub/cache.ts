/**
 * The Hugging Face hub cache layout, shared with Python's `huggingface_hub`:
 * `<cache>/models--owner--name/{blobs/<etag>, snapshots/<commit>/<path> → ../../blobs/<etag>, refs/<revision>}`.
 * Paths come from `@huggingface/hub` (`getHFHubCachePath`, `getRepoFolderName`); this file adds
 * the guarded joins and the atomic writes the package leaves out.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readFile, rename, rm, stat, symlink } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { ClipkitError } from "@clipkit/core";
import { getHFHubCachePath, getRepoFolderName } from "@huggingface/hub";
import { writeFileAtomic } from "../files/atomic.js";

/** The cache root: `cacheDir`, else `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
export function hubCacheDir(cacheDir?: string): string {
  return resolve(cacheDir ?? getHFHubCachePath());
}

/** `<cache>/models--owner--name`. */
export function repoFolder(cache: string, repo: string): string {
  return within(cache, getRepoFolderName({ type: "model", name: repo }));
}

/** Joins `path` (POSIX, from a repo or the user) onto `root`, refusing anything that leaves it. */
export function within(root: string, path: string): string {
  const full = resolve(root, ...path.split("/"));
  const bad =
    path.includes("\\") || path.startsWith("/") || /^[A-Za-z]:/.test(path) || path.split("/").includes("..");
  if (bad || (full !== root && !full.startsWith(root + sep))) {
    throw new ClipkitError("INVALID_ARGUMENT", `${path} would leave the cache folder ${root}`, {
      details: { argument: "path", path },
    });
  }
  return full;
}

/** The commit `refs/<revision>` points to, or `undefined` when it was never resolved. */
export async function readRef(folder: string, revision: string): Promise<string | undefined> {
  try {
    const commit = (await readFile(within(join(folder, "refs"), revision), "utf8")).trim();
    return /^[0-9a-f]{40}$/.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** Records `revision → commit` as Python does (the bare commit, no newline). */
export async function writeRef(folder: string, revision: string, commit: string): Promise<void> {
  const path = within(join(folder, "refs"), revision);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, new TextEncoder().encode(commit));
}

/** True when `path` exists, following symlinks (a dangling snapshot link counts as absent). */
export async function fileExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Makes `snapshots/<commit>/<path>` point at `blob` with a relative symlink, like Python; the link
 * is created under a temporary name and renamed, so readers see no link or the finished one.
 * Where symlinks are not allowed (Windows without developer mode) the blob is copied, as Python does.
 */
export async function linkIntoSnapshot(blob: string, pointer: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  const tmp = `${pointer}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    try {
      await symlink(relative(dirname(pointer), blob), tmp);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EPERM") throw error;
      await copyFile(blob, tmp);
    }
    await rename(tmp, pointer);
  } catch (error) {
    await rm(tmp, { force: true });
    throw new ClipkitError("IO_FAILED", `cannot link ${pointer}: ${(error as Error).message}`, {
      cause: error,
      details: { path: pointer },
    });
  }
}

/** `"abc"` / `W/"abc"` → `abc` (the hub quotes ETags; Python strips them the same way). */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"|"$/g, "");
}
