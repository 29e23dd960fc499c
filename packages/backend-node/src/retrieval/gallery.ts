import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import {
  type AddOptions,
  ClipkitError,
  type Embeddings,
  type ImageEmbedder,
  isClipkitError,
} from "@clipkit/core";
import { DEFAULT_MAX_FILE_BYTES, readImageFile } from "../image/read.js";

/** Metadata stored with each gallery image. */
export interface GalleryMetadata extends Record<string, unknown> {
  /** Current path of the file (the first in sort order when several files share its content). */
  path: string;
  /** Every current path with this content, sorted, when there is more than one (duplicates). */
  paths?: string[];
}

/**
 * What {@link updateGallery} needs from an index: synchronous add/remove/has, metadata access and
 * the stored ids. `FlatIndex` and `UsearchIndex` both fit, so a gallery can be exact or HNSW.
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
  getMetadata(id: string): GalleryMetadata | undefined;
  setMetadata(id: string, metadata: GalleryMetadata): boolean;
  state(): { ids: readonly string[] };
}

/** A file that could not be indexed, and why. */
export interface GalleryFailure {
  path: string;
  code: string;
  message: string;
}

/** Files of one content hash found at several paths. */
export interface GalleryDuplicate {
  id: string;
  paths: string[];
}

/** What {@link updateGallery} did. */
export interface GalleryReport {
  added: number;
  removed: number;
  unchanged: number;
  /** Entries whose recorded paths changed (moved, renamed, a duplicate added or deleted). */
  moved: number;
  /** Entries outside this run's scope that were left as they were. */
  kept: number;
  /** Contents found at several paths (one entry each; all paths are recorded). */
  duplicates: GalleryDuplicate[];
  failed: GalleryFailure[];
}

/** Options of {@link updateGallery}. */
export interface UpdateGalleryOptions {
  /** Images embedded per model call (default 32). */
  batchSize?: number;
  /** Called after each batch: files processed so far, total files to embed. */
  onProgress?: (done: number, total: number) => void;
  /** Called every `hashProgressEvery` files while hashing: files hashed so far, total. */
  onHashProgress?: (done: number, total: number) => void;
  /** Called every `checkpointEvery` embedded images (and at the end) to persist progress. */
  checkpoint?: () => Promise<void>;
  /** Images between checkpoints (default 512). */
  checkpointEvery?: number;
  /**
   * Which recorded paths this run is responsible for. A recorded path in scope that the run did
   * not find with the same content is dropped (an entry left with no path is removed); paths out
   * of scope are kept untouched, so indexing folder B never deletes folder A's entries. Default:
   * every path is in scope, so the index mirrors `paths` exactly.
   */
  inScope?: (path: string) => boolean;
  /** Also drop recorded paths outside the scope whose files no longer exist (default false). */
  prune?: boolean;
  /** Largest file read, in bytes (default 256 MiB); larger files are skipped and reported. */
  maxFileBytes?: number;
  signal?: AbortSignal;
}

/** Content id of a file: 32 hex chars of SHA-256, so renames keep ids and edits change them. */
export function contentId(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 32);
}

const recordedPaths = (m: GalleryMetadata | undefined): string[] =>
  m === undefined ? [] : Array.isArray(m.paths) && m.paths.length > 0 ? [...m.paths] : [m.path];

const metadataFor = (paths: string[]): GalleryMetadata =>
  paths.length > 1 ? { path: paths[0]!, paths } : { path: paths[0]! };

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * Brings an image index in line with a list of files, embedding only what is new. Ids are content
 * hashes: an unchanged file is never re-embedded, a moved or renamed one keeps its entry with its
 * current path, an edited one is re-embedded under its new hash, and files sharing content share
 * one entry that records all their paths (reported as duplicates). Only recorded paths in
 * `inScope` are reconciled with what was found; others are kept (or, with `prune`, dropped when
 * their files are gone). Unreadable or undecodable files are skipped and reported, never fatal.
 * With `checkpoint`, an interrupted run keeps its progress and a re-run resumes.
 */
export async function updateGallery(
  index: GalleryIndex,
  model: ImageEmbedder<Uint8Array>,
  paths: readonly string[],
  options: UpdateGalleryOptions = {},
): Promise<GalleryReport> {
  const batchSize = options.batchSize ?? 32;
  const every = options.checkpointEvery ?? 512;
  const inScope = options.inScope ?? (() => true);
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const failed: GalleryFailure[] = [];
  const found = new Map<string, string[]>();
  let hashed = 0;
  // A path given twice is one file: hashed, embedded and reported once.
  const unique = [...new Set(paths)].sort();
  for (const path of unique) {
    if (options.signal?.aborted) throw new ClipkitError("ABORTED", "gallery indexing was aborted");
    try {
      const id = contentId(await readImageFile(path, maxBytes));
      const at = found.get(id);
      if (at) at.push(path);
      else found.set(id, [path]);
    } catch (error) {
      failed.push({
        path,
        code: isClipkitError(error) ? error.code : "IO_FAILED",
        message: (error as Error).message,
      });
    }
    if (++hashed % 256 === 0 || hashed === unique.length) options.onHashProgress?.(hashed, unique.length);
  }

  let removed = 0;
  let moved = 0;
  let kept = 0;
  const duplicates: GalleryDuplicate[] = [];
  for (const id of [...index.state().ids]) {
    const recorded = recordedPaths(index.getMetadata(id));
    let outside = recorded.filter((p) => !inScope(p));
    if (options.prune && outside.length > 0) {
      const alive = await Promise.all(outside.map(exists));
      outside = outside.filter((_, i) => alive[i]);
    }
    const here = found.get(id) ?? [];
    const next = [...new Set([...here, ...outside])].sort();
    if (next.length === 0) {
      removed += index.remove([id]);
      continue;
    }
    if (here.length === 0) kept++;
    if (next.join("\0") !== recorded.join("\0")) {
      index.setMetadata(id, metadataFor(next));
      moved++;
    }
    if (next.length > 1) duplicates.push({ id, paths: next });
  }
  const todo: { id: string; paths: string[] }[] = [];
  for (const [id, at] of found) {
    if (index.has(id)) continue;
    todo.push({ id, paths: at });
    if (at.length > 1) duplicates.push({ id, paths: at });
  }
  const unchanged = found.size - todo.length;

  let added = 0;
  let sinceCheckpoint = 0;
  options.onProgress?.(0, todo.length);
  for (let start = 0; start < todo.length; start += batchSize) {
    if (options.signal?.aborted) throw new ClipkitError("ABORTED", "gallery indexing was aborted");
    const batch = todo.slice(start, start + batchSize);
    added += await embedBatch(index, model, batch, failed, maxBytes, options.signal);
    sinceCheckpoint += batch.length;
    options.onProgress?.(Math.min(todo.length, start + batchSize), todo.length);
    if (options.checkpoint && sinceCheckpoint >= every) {
      await options.checkpoint();
      sinceCheckpoint = 0;
    }
  }
  await options.checkpoint?.();
  // Content that failed to embed has no entry: its paths are reported as failed, not as duplicates.
  const indexed = duplicates.filter((d) => index.has(d.id));
  return { added, removed, unchanged, moved, kept, duplicates: indexed, failed };
}

/** Embeds one batch; when the batch fails, retries file by file so one bad image costs only itself. */
async function embedBatch(
  index: GalleryIndex,
  model: ImageEmbedder<Uint8Array>,
  batch: { id: string; paths: string[] }[],
  failed: GalleryFailure[],
  maxBytes: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  const load = async (items: { id: string; paths: string[] }[]) => {
    const bytes = await Promise.all(items.map((f) => readImageFile(f.paths[0]!, maxBytes)));
    const e = await model.embedImages(bytes, signal ? { signal } : {});
    index.add(
      items.map((f) => f.id),
      e,
      items.map((f) => metadataFor(f.paths)),
      { upsert: true },
    );
    return items.length;
  };
  try {
    return await load(batch);
  } catch (error) {
    if (isClipkitError(error, "ABORTED") || isClipkitError(error, "SPACE_MISMATCH")) throw error;
    if (batch.length === 1) {
      for (const path of batch[0]!.paths) {
        failed.push({
          path,
          code: isClipkitError(error) ? error.code : "IO_FAILED",
          message: (error as Error).message,
        });
      }
      return 0;
    }
    let n = 0;
    for (const one of batch) n += await embedBatch(index, model, [one], failed, maxBytes, signal);
    return n;
  }
}
