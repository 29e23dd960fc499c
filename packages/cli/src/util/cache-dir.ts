import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import type { EmbeddingSpace } from "@clipkit/core";

/**
 * clipkit's own cache folder (derived data it can always rebuild, never the user's files):
 * `CLIPKIT_CACHE`, else `$XDG_CACHE_HOME/clipkit`, else `~/.cache/clipkit` — the same XDG
 * convention the Hugging Face hub cache follows (`~/.cache/huggingface`), beside it.
 */
export function clipkitCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLIPKIT_CACHE) return resolve(env.CLIPKIT_CACHE);
  return resolve(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "clipkit");
}

/**
 * Where `clipkit head train` keeps the embeddings of a training set by default:
 * `<cache>/embeddings/<input name>-<key>.idx`, the key a hash of the input's absolute path and
 * the model's space, so two data sets or two models never share (or clash over) one file, and
 * nothing is written next to the user's data (which may be read-only).
 */
export function embeddingsCachePath(input: string, space: EmbeddingSpace, root = clipkitCacheDir()): string {
  const abs = resolve(input);
  const key = createHash("sha256").update(`${abs}\0${space.id}\0${space.dim}`).digest("hex").slice(0, 16);
  const name =
    basename(abs)
      .replace(/\.jsonl$/i, "")
      .replace(/[^\p{L}\p{N}._-]+/gu, "_") || "input";
  return join(root, "embeddings", `${name}-${key}.idx`);
}
