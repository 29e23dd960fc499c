/**
 * Listing and removing cached models: `@huggingface/hub`'s `scanCacheDir` reads the layout (the
 * same scan `hf cache ls` does in Python); removal deletes a repo folder whole, after validating
 * the id so nothing outside the cache can be named.
 */
import { rm, stat } from "node:fs/promises";
import { ClipkitError, parseHubModelRef } from "@clipkit/core";
import { scanCacheDir } from "@huggingface/hub";
import { hubCacheDir, repoFolder } from "./cache.js";

/** One cached revision (a snapshot folder). */
export interface CachedRevision {
  readonly commit: string;
  /** Branches/tags that point to it (`refs/`). */
  readonly refs: readonly string[];
  readonly files: number;
  readonly path: string;
}

/** One cached model repo. */
export interface CachedModel {
  /** `owner/name`. */
  readonly repo: string;
  /** Bytes on disk (blobs counted once). */
  readonly size: number;
  readonly path: string;
  readonly revisions: readonly CachedRevision[];
}

/** The models in the hub cache (`cacheDir`, else `HF_HUB_CACHE`/`HF_HOME`/default), largest first. */
export async function listCachedModels(cacheDir?: string): Promise<CachedModel[]> {
  const root = hubCacheDir(cacheDir);
  if (
    !(await stat(root).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    return [];
  let info: Awaited<ReturnType<typeof scanCacheDir>>;
  try {
    info = await scanCacheDir(root);
  } catch (error) {
    throw new ClipkitError("IO_FAILED", `cannot scan the hub cache ${root}: ${(error as Error).message}`, {
      cause: error,
      details: { path: root },
    });
  }
  return info.repos
    .filter((r) => r.id.type === "model")
    .map((r) => ({
      repo: r.id.name,
      size: r.size,
      path: r.path,
      revisions: r.revisions.map((v) => ({
        commit: v.commitOid,
        refs: v.refs,
        files: v.files.length,
        path: v.path,
      })),
    }))
    .sort((a, b) => b.size - a.size);
}

/**
 * Deletes a cached model (all its revisions and blobs). Returns the bytes freed, 0 when it was not
 * cached. Throws `INVALID_ARGUMENT` for a malformed id.
 */
export async function removeCachedModel(id: string, cacheDir?: string): Promise<number> {
  const ref = parseHubModelRef(id);
  if (!ref || ref.revision !== undefined) {
    throw new ClipkitError("INVALID_ARGUMENT", `"${id}" is not a hub repo id (owner/name)`, {
      details: { argument: "model", value: id },
    });
  }
  const folder = repoFolder(hubCacheDir(cacheDir), ref.repo);
  const cached = (await listCachedModels(cacheDir)).find((m) => m.repo === ref.repo);
  await rm(folder, { recursive: true, force: true });
  return cached?.size ?? 0;
}
