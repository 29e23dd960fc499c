import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ClipkitError,
  decodeIndexFile,
  describeSpace,
  type EmbeddingSpace,
  encodeIndexFile,
  FlatIndex,
  type FlatIndexOptions,
  loadFlatIndex,
  type Metadata,
  sameSpace,
  saveFlatIndex,
} from "@clipkit/core";
import { writeFileAtomic } from "../files/atomic.js";
import { UsearchIndex, type UsearchState } from "./usearch-index.js";

/** Reads a whole index file, turning a missing/unreadable file into `IO_FAILED` naming it. */
async function readIndexBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === "ENOENT" ? "NOT_FOUND" : "IO_FAILED";
    throw new ClipkitError(code, `cannot read index ${path}: ${(error as Error).message}`, {
      cause: error,
      details: { path },
    });
  }
}

/**
 * Saves a {@link FlatIndex} to `path` atomically (temp file, fsync, rename): a crash or kill
 * mid-save leaves the previous file intact and loadable.
 */
export async function saveFlatIndexFile<M extends Metadata>(
  index: FlatIndex<M>,
  path: string,
): Promise<void> {
  await writeFileAtomic(path, saveFlatIndex(index));
}

/** Loads a file written by {@link saveFlatIndexFile}; damaged files throw `INDEX_CORRUPT`. */
export async function loadFlatIndexFile<M extends Metadata = Metadata>(path: string): Promise<FlatIndex<M>> {
  return loadFlatIndex<M>(await readIndexBytes(path), path);
}

const USEARCH_KIND = "usearch";

/**
 * Saves a {@link UsearchIndex} as one clipkit index file: the native usearch image as a section,
 * ids, metadata and HNSW options as JSON, all under the same checksummed, versioned header and
 * the same atomic replacement as flat files (one file, so ids and graph can never disagree).
 */
export async function saveUsearchIndexFile<M extends Metadata>(
  index: UsearchIndex<M>,
  path: string,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "clipkit-usearch-"));
  try {
    const nativePath = join(dir, "graph.usearch");
    index.native.save(nativePath);
    const image = await readFile(nativePath);
    const state = index.state();
    const json = { ...state, metadata: state.metadata.map((m) => m ?? null) };
    const bytes = encodeIndexFile({
      kind: USEARCH_KIND,
      dim: index.space.dim,
      count: index.size(),
      json,
      sections: [image],
    });
    await writeFileAtomic(path, bytes);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Loads a file written by {@link saveUsearchIndexFile}. */
export async function loadUsearchIndexFile<M extends Metadata = Metadata>(
  path: string,
): Promise<UsearchIndex<M>> {
  const parts = decodeIndexFile(await readIndexBytes(path), USEARCH_KIND, path);
  const j = parts.json as Partial<UsearchState<M>> & { metadata?: (M | null)[] };
  if (
    !j?.space ||
    j.space.dim !== parts.dim ||
    !j.options ||
    !Array.isArray(j.keys) ||
    !Array.isArray(j.ids) ||
    !Array.isArray(j.metadata) ||
    j.ids.length !== parts.count ||
    j.keys.length !== parts.count ||
    j.metadata.length !== parts.count ||
    typeof j.nextKey !== "number" ||
    parts.sections.length !== 1
  ) {
    throw new ClipkitError("INDEX_CORRUPT", `${path}: header fields disagree with the body`, {
      details: { path },
    });
  }
  const state: UsearchState<M> = {
    space: j.space,
    options: j.options,
    keys: j.keys,
    ids: j.ids,
    metadata: j.metadata.map((m) => m ?? undefined),
    nextKey: j.nextKey,
  };
  const dir = await mkdtemp(join(tmpdir(), "clipkit-usearch-"));
  try {
    const nativePath = join(dir, "graph.usearch");
    await writeFile(nativePath, parts.sections[0]!);
    return UsearchIndex.fromState(state, (native) => {
      native.load(nativePath);
      if (native.size() !== parts.count) {
        throw new ClipkitError(
          "INDEX_CORRUPT",
          `${path}: the graph holds ${native.size()} vectors, ids ${parts.count}`,
          {
            details: { path },
          },
        );
      }
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Opens the index at `path` for updating, or starts an empty one when the file does not exist.
 * An existing file built in another embedding space throws `SPACE_MISMATCH` (a different model
 * cannot extend it); a damaged one throws `INDEX_CORRUPT` rather than being silently replaced.
 */
export async function openOrCreateFlatIndexFile<M extends Metadata = Metadata>(
  path: string,
  space: EmbeddingSpace,
  options: FlatIndexOptions = {},
): Promise<{ index: FlatIndex<M>; created: boolean }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return { index: new FlatIndex<M>(space, options), created: true };
    throw new ClipkitError("IO_FAILED", `cannot read index ${path}: ${(error as Error).message}`, {
      cause: error,
      details: { path },
    });
  }
  const index = loadFlatIndex<M>(bytes, path);
  if (!sameSpace(index.space, space)) {
    throw new ClipkitError(
      "SPACE_MISMATCH",
      `${path} was built in ${describeSpace(index.space)}, the model embeds into ${describeSpace(space)}; use another --out`,
      { details: { path, index: index.space, model: space } },
    );
  }
  return { index, created: false };
}
