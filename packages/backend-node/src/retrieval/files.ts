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
  type FlatRuntimeOptions,
  loadFlatIndex,
  type Metadata,
  sameSpace,
  saveFlatIndex,
} from "@clipkit/core";
import { writeFileAtomic } from "../files/atomic.js";
import { readFileBytes } from "../files/read-bytes.js";
import { UsearchIndex, type UsearchIndexOptions, type UsearchState } from "./usearch-index.js";

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
export async function loadFlatIndexFile<M extends Metadata = Metadata>(
  path: string,
  runtime: FlatRuntimeOptions = {},
): Promise<FlatIndex<M>> {
  return loadFlatIndex<M>(await readFileBytes(path, "index"), path, runtime);
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

/**
 * HNSW search/insert settings that may change each time a usearch file is opened: they are not
 * part of the stored graph. Connectivity and quantization are, so they stay as created.
 */
export type UsearchRuntimeOptions = Pick<UsearchIndexOptions, "expansionAdd" | "expansionSearch" | "threads">;

/**
 * Loads a file written by {@link saveUsearchIndexFile}; `overrides` replace the stored ef values
 * and thread count (e.g. a larger `expansionSearch` for better recall at query time).
 */
export async function loadUsearchIndexFile<M extends Metadata = Metadata>(
  path: string,
  overrides: UsearchRuntimeOptions = {},
): Promise<UsearchIndex<M>> {
  return usearchFromBytes<M>(await readFileBytes(path, "index"), path, overrides);
}

async function usearchFromBytes<M extends Metadata>(
  bytes: Uint8Array,
  path: string,
  overrides: UsearchRuntimeOptions,
): Promise<UsearchIndex<M>> {
  const parts = decodeIndexFile(bytes, USEARCH_KIND, path);
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
    options: { ...j.options, ...defined(overrides) },
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
      try {
        native.load(nativePath);
      } catch (error) {
        throw new ClipkitError(
          "INDEX_CORRUPT",
          `${path}: unreadable HNSW graph: ${(error as Error).message}`,
          {
            cause: error,
            details: { path },
          },
        );
      }
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

/** The kinds of index file clipkit writes. */
export type IndexFileKind = "flat" | "usearch";

/**
 * The kind of a clipkit index file, read from the start of its JSON part (written first, so no
 * full parse is needed). Anything that does not name `"usearch"` counts as `"flat"`: the flat
 * loader then reports precisely what is wrong (bad magic, checksum, unknown kind) as
 * `INDEX_CORRUPT`.
 */
export function indexFileKind(bytes: Uint8Array): IndexFileKind {
  if (bytes.length < 44) return "flat";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const metaLength = view.getUint32(40, true);
  const head = new TextDecoder().decode(bytes.subarray(44, 44 + Math.min(metaLength, 64)));
  return head.startsWith(`{"kind":"${USEARCH_KIND}"`) ? "usearch" : "flat";
}

/** An index loaded from a file of either kind. */
export type LoadedIndex<M extends Metadata> =
  | { kind: "flat"; index: FlatIndex<M> }
  | { kind: "usearch"; index: UsearchIndex<M> };

/**
 * Loads an index file of either kind, telling them apart by {@link indexFileKind}. `usearch`
 * options apply to HNSW files only. Missing files throw `NOT_FOUND`, damaged ones `INDEX_CORRUPT`.
 */
export async function loadIndexFile<M extends Metadata = Metadata>(
  path: string,
  usearch: UsearchRuntimeOptions = {},
): Promise<LoadedIndex<M>> {
  const bytes = await readFileBytes(path, "index");
  return indexFileKind(bytes) === "usearch"
    ? { kind: "usearch", index: await usearchFromBytes<M>(bytes, path, usearch) }
    : { kind: "flat", index: loadFlatIndex<M>(bytes, path) };
}

/** Saves an index of either kind atomically, in its own file format. */
export async function saveIndexFile<M extends Metadata>(loaded: LoadedIndex<M>, path: string): Promise<void> {
  if (loaded.kind === "usearch") await saveUsearchIndexFile(loaded.index, path);
  else await saveFlatIndexFile(loaded.index, path);
}

/** Options of {@link openOrCreateIndexFile}. */
export interface OpenIndexOptions {
  /** Create an HNSW (usearch) index with these options instead of a flat one. */
  ann?: UsearchIndexOptions;
  /** Options of a newly created flat index. */
  flat?: FlatIndexOptions;
}

/**
 * Opens the index at `path` for updating, whatever its kind, or creates one (flat, or HNSW with
 * `options.ann`) when the file does not exist. An existing file keeps its kind: asking for
 * `ann` on a flat file throws `INVALID_ARGUMENT` (its vectors could be re-indexed, but silently
 * changing kind would surprise), as does a `connectivity`/`quantization` other than the file's
 * (fixed in the stored graph). Runtime HNSW options (`expansionAdd`, `expansionSearch`,
 * `threads`) replace the stored ones. Another embedding space throws `SPACE_MISMATCH`, a damaged
 * file `INDEX_CORRUPT`.
 */
export async function openOrCreateIndexFile<M extends Metadata = Metadata>(
  path: string,
  space: EmbeddingSpace,
  options: OpenIndexOptions = {},
): Promise<LoadedIndex<M> & { created: boolean }> {
  const bytes = await readIfExists(path);
  if (!bytes) {
    return options.ann
      ? { kind: "usearch", index: new UsearchIndex<M>(space, defined(options.ann)), created: true }
      : { kind: "flat", index: new FlatIndex<M>(space, options.flat), created: true };
  }
  let loaded: LoadedIndex<M>;
  if (indexFileKind(bytes) === "flat") {
    if (options.ann) {
      throw new ClipkitError(
        "INVALID_ARGUMENT",
        `${path} is an exact (flat) index, not an HNSW one; drop --ann to update it or use another --out`,
        { details: { path, argument: "ann" } },
      );
    }
    loaded = { kind: "flat", index: loadFlatIndex<M>(bytes, path) };
  } else {
    const { connectivity, quantization, ...runtime } = options.ann ?? {};
    const index = await usearchFromBytes<M>(bytes, path, runtime);
    for (const [name, want] of [
      ["connectivity", connectivity],
      ["quantization", quantization],
    ] as const) {
      if (want !== undefined && want !== index.options[name]) {
        throw new ClipkitError(
          "INVALID_ARGUMENT",
          `${path} was built with ${name} ${index.options[name]}, which is fixed once created; got ${want}`,
          { details: { path, argument: name } },
        );
      }
    }
    loaded = { kind: "usearch", index };
  }
  checkSpace(loaded.index.space, space, path);
  return { ...loaded, created: false };
}

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ClipkitError("IO_FAILED", `cannot read index ${path}: ${(error as Error).message}`, {
      cause: error,
      details: { path },
    });
  }
}

/** Drops `undefined` values, so that spreading options over defaults keeps the defaults. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkSpace(stored: EmbeddingSpace, model: EmbeddingSpace, path: string): void {
  if (!sameSpace(stored, model)) {
    throw new ClipkitError(
      "SPACE_MISMATCH",
      `${path} was built in ${describeSpace(stored)}, the model embeds into ${describeSpace(model)}; use another --out`,
      { details: { path, index: stored, model } },
    );
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
  const bytes = await readIfExists(path);
  if (!bytes) return { index: new FlatIndex<M>(space, options), created: true };
  // Storage settings come from the file; how to search (a backend's GEMM) from the caller.
  const { backend, minGemmQueries } = options;
  const index = loadFlatIndex<M>(bytes, path, {
    ...(backend ? { backend } : {}),
    ...(minGemmQueries === undefined ? {} : { minGemmQueries }),
  });
  checkSpace(index.space, space, path);
  return { index, created: false };
}
