import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  type AddOptions,
  ClipkitError,
  type Embeddings,
  type ImageEmbedder,
  isClipkitError,
} from "@clipkit/core";

/** Metadata stored with each gallery image. */
export interface GalleryMetadata extends Record<string, unknown> {
  /** Path of the file when it was indexed (the first one, if several files share content). */
  path: string;
}

/**
 * What {@link updateGallery} needs from an index: synchronous add/remove/has and the stored ids.
 * `FlatIndex` and `UsearchIndex` both fit, so a gallery can be exact or HNSW.
 */
export interface GalleryIndex {
  has(id: string): boolean;
  remove(ids: readonly string[]): number;
  add(
    ids: readonly string[],
    embeddings: Embeddings,
    metadata: readonly GalleryMetadata[],
    options: AddOptions,
  ): void;
  state(): { ids: readonly string[] };
}

/** A file that could not be indexed, and why. */
export interface GalleryFailure {
  path: string;
  code: string;
  message: string;
}

/** What {@link updateGallery} did. */
export interface GalleryReport {
  added: number;
  removed: number;
  unchanged: number;
  failed: GalleryFailure[];
}

/** Options of {@link updateGallery}. */
export interface UpdateGalleryOptions {
  /** Images embedded per model call (default 32). */
  batchSize?: number;
  /** Called after each batch: files processed so far, total files to embed. */
  onProgress?: (done: number, total: number) => void;
  /** Called every `checkpointEvery` embedded images (and at the end) to persist progress. */
  checkpoint?: () => Promise<void>;
  /** Images between checkpoints (default 512). */
  checkpointEvery?: number;
  signal?: AbortSignal;
}

/** Content id of a file: 32 hex chars of SHA-256, so renames keep ids and edits change them. */
export function contentId(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 32);
}

/**
 * Brings an image index in line with a list of files, embedding only what is new: ids are content
 * hashes, so unchanged files (even renamed ones) are skipped, edited files are re-embedded under
 * their new hash, and entries whose content no longer exists are removed. Unreadable or
 * undecodable files are skipped and reported, never fatal. With `checkpoint`, an interrupted run
 * keeps its progress and a re-run resumes.
 */
export async function updateGallery(
  index: GalleryIndex,
  model: ImageEmbedder<Uint8Array>,
  paths: readonly string[],
  options: UpdateGalleryOptions = {},
): Promise<GalleryReport> {
  const batchSize = options.batchSize ?? 32;
  const every = options.checkpointEvery ?? 512;
  const failed: GalleryFailure[] = [];
  const wanted = new Map<string, string>();
  const todo: { id: string; path: string }[] = [];
  for (const path of paths) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      failed.push({ path, code: "IO_FAILED", message: (error as Error).message });
      continue;
    }
    const id = contentId(bytes);
    if (wanted.has(id)) continue;
    wanted.set(id, path);
    if (!index.has(id)) todo.push({ id, path });
  }
  const stale = index.state().ids.filter((id) => !wanted.has(id));
  const removed = index.remove(stale);
  let added = 0;
  let sinceCheckpoint = 0;
  options.onProgress?.(0, todo.length);
  for (let start = 0; start < todo.length; start += batchSize) {
    if (options.signal?.aborted) throw new ClipkitError("ABORTED", "gallery indexing was aborted");
    const batch = todo.slice(start, start + batchSize);
    added += await embedBatch(index, model, batch, failed, options.signal);
    sinceCheckpoint += batch.length;
    options.onProgress?.(Math.min(todo.length, start + batchSize), todo.length);
    if (options.checkpoint && sinceCheckpoint >= every) {
      await options.checkpoint();
      sinceCheckpoint = 0;
    }
  }
  await options.checkpoint?.();
  return { added, removed, unchanged: wanted.size - todo.length, failed };
}

/** Embeds one batch; when the batch fails, retries file by file so one bad image costs only itself. */
async function embedBatch(
  index: GalleryIndex,
  model: ImageEmbedder<Uint8Array>,
  batch: { id: string; path: string }[],
  failed: GalleryFailure[],
  signal: AbortSignal | undefined,
): Promise<number> {
  const load = async (items: { id: string; path: string }[]) => {
    const bytes = await Promise.all(items.map((f) => readFile(f.path)));
    const e = await model.embedImages(bytes, signal ? { signal } : {});
    index.add(
      items.map((f) => f.id),
      e,
      items.map((f) => ({ path: f.path })),
      { upsert: true },
    );
    return items.length;
  };
  try {
    return await load(batch);
  } catch (error) {
    if (isClipkitError(error, "ABORTED") || isClipkitError(error, "SPACE_MISMATCH")) throw error;
    if (batch.length === 1) {
      failed.push({
        path: batch[0]!.path,
        code: isClipkitError(error) ? error.code : "IO_FAILED",
        message: (error as Error).message,
      });
      return 0;
    }
    let n = 0;
    for (const one of batch) n += await embedBatch(index, model, [one], failed, signal);
    return n;
  }
}
