import type { EmbeddingSpace } from "../embeddings.js";
import { ClipkitError } from "../errors.js";
import { FlatIndex, type FlatState, type FlatStorage } from "./flat-index.js";
import type { FlatRuntimeOptions } from "./flat-options.js";
import { decodeIndexFile, encodeIndexFile } from "./format.js";
import type { Metadata } from "./types.js";

const KIND = "flat";

interface FlatJson {
  space: EmbeddingSpace;
  storage: FlatStorage;
  rescore: boolean;
  shortlist: number;
  ids: string[];
  metadata: (Metadata | null)[];
}

/**
 * Serialises a {@link FlatIndex} to the versioned, checksummed clipkit index format (see
 * `encodeIndexFile`). Vectors are stored as raw little-endian arrays, so a file is about
 * `bytesPerVector() × size()` plus the ids and metadata as JSON.
 */
export function saveFlatIndex<M extends Metadata>(index: FlatIndex<M>): Uint8Array {
  const s = index.state();
  const json: FlatJson = {
    space: s.space,
    storage: s.storage,
    rescore: s.rescore,
    shortlist: s.shortlist,
    ids: s.ids,
    // JSON has no undefined inside arrays: null marks "no metadata".
    metadata: s.metadata.map((m) => m ?? null),
  };
  const sections: Uint8Array[] = [];
  for (const a of [s.vectors, s.codes, s.scales, s.halves]) {
    if (a) sections.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return encodeIndexFile({ kind: KIND, dim: s.space.dim, count: s.ids.length, json, sections });
}

/**
 * Loads a file written by {@link saveFlatIndex}. A damaged file throws `INDEX_CORRUPT` and a file
 * from a newer clipkit `INDEX_VERSION_UNSUPPORTED`; it never yields a half-read index. `runtime`
 * sets how the loaded index searches (`backend` for {@link FlatIndex.searchAsync}'s GEMM,
 * `minGemmQueries`); what it stores comes from the file.
 */
export function loadFlatIndex<M extends Metadata = Metadata>(
  bytes: Uint8Array,
  source = "index",
  runtime: FlatRuntimeOptions = {},
): FlatIndex<M> {
  const parts = decodeIndexFile(bytes, KIND, source);
  const corrupt = (why: string) =>
    new ClipkitError("INDEX_CORRUPT", `${source}: ${why}`, { details: { source } });
  const j = parts.json as Partial<FlatJson> | null;
  if (
    !j?.space ||
    typeof j.space.id !== "string" ||
    j.space.dim !== parts.dim ||
    !Array.isArray(j.ids) ||
    !Array.isArray(j.metadata) ||
    j.ids.length !== parts.count ||
    j.metadata.length !== parts.count ||
    (j.storage !== "float32" && j.storage !== "int8" && j.storage !== "float16")
  ) {
    throw corrupt("header fields disagree with the body");
  }
  const { dim, count } = parts;
  const rescore = j.storage === "float32" || j.rescore !== false;
  const want: number[] = [];
  if (rescore) want.push(count * dim * 4);
  if (j.storage === "int8") want.push(count * dim, count * 4);
  if (j.storage === "float16") want.push(count * dim * 2);
  if (parts.sections.length !== want.length || parts.sections.some((s, i) => s.length !== want[i])) {
    throw corrupt("vector sections have the wrong size");
  }
  let next = 0;
  const take = () => parts.sections[next++]!;
  const vectors = rescore ? asFloat32(take()) : undefined;
  const codes = j.storage === "int8" ? new Int8Array(take().buffer) : undefined;
  const scales = j.storage === "int8" ? asFloat32(take()) : undefined;
  const halves = j.storage === "float16" ? asUint16(take()) : undefined;
  const state: FlatState<M> = {
    space: j.space,
    storage: j.storage,
    rescore,
    shortlist: typeof j.shortlist === "number" && j.shortlist >= 1 ? j.shortlist : 4,
    ids: j.ids,
    metadata: j.metadata.map((m) => (m === null ? undefined : (m as M))),
    vectors,
    codes,
    scales,
    halves,
  };
  if (new Set(state.ids).size !== count) throw corrupt("duplicate ids");
  return FlatIndex.fromState(state, runtime);
}

/** Sections are fresh copies starting at offset 0, so the float view is aligned. */
function asFloat32(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

function asUint16(bytes: Uint8Array): Uint16Array {
  return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
}
