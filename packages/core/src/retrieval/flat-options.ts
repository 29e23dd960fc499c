import type { Backend } from "../backend/session.js";
import type { EmbeddingSpace } from "../embeddings.js";
import type { Metadata } from "./types.js";

/**
 * How a {@link FlatIndex} stores vectors.
 * - `"float32"`: exact scores, 4 bytes per dimension.
 * - `"float16"`: IEEE half-precision codes (2 bytes per dimension) scanned first; with `rescore`
 *   (default) the shortlist is re-scored against float32 originals (6 bytes per dimension in
 *   all) and results are exact; without it scores are approximate (≈ 3 significant digits).
 * - `"int8"`: a per-row int8 code (1 byte per dimension + 4 bytes per row) scanned first; with
 *   `rescore` (default) results are exact against float32 originals kept alongside (5 bytes per
 *   dimension in all), without it scores are approximate (1 byte per dimension).
 */
export type FlatStorage = "float32" | "float16" | "int8";

/** Options of {@link FlatIndex}. */
export interface FlatIndexOptions {
  storage?: FlatStorage;
  /** float16/int8 only: keep float32 originals and return exact results (default true). */
  rescore?: boolean;
  /** float16/int8 only: first shortlist size as a multiple of `k` (default 4; at least k + 32). */
  shortlist?: number;
  /**
   * A backend whose optional `matmulTopK` capability {@link FlatIndex.searchAsync} uses for
   * unfiltered float32 batches (e.g. `nodeBackend({ intraOpThreads: 1 })`: onnxruntime's GEMM).
   */
  backend?: Pick<Backend, "matmulTopK">;
  /**
   * {@link FlatIndex.searchAsync}: batches of fewer queries than this are scanned by the
   * WebAssembly kernel rather than the backend's GEMM (default 2). One query streams the rows at
   * close to the memory bandwidth in the kernel, which beat onnxruntime's one-thread GEMV
   * (8 vs 11 ms CPU on 100,000 × 512, issue #18); set 1 to send single queries to a GEMM that has
   * several threads.
   */
  minGemmQueries?: number;
}

/**
 * The options of a {@link FlatIndexOptions} that only change how a loaded index searches (not
 * what it stores), for `loadFlatIndex(bytes, source, runtime)`: a file's storage, re-score and
 * shortlist settings come from the file.
 */
export type FlatRuntimeOptions = Pick<FlatIndexOptions, "backend" | "minGemmQueries">;

/** Internal state shared with the file codec ({@link flatToBytes}). */
export interface FlatState<M extends Metadata> {
  space: EmbeddingSpace;
  storage: FlatStorage;
  rescore: boolean;
  shortlist: number;
  ids: string[];
  metadata: (M | undefined)[];
  /** `count × dim` unit rows, or undefined for codes without re-scoring. */
  vectors: Float32Array | undefined;
  /** int8 codes and their per-row scales. */
  codes: Int8Array | undefined;
  scales: Float32Array | undefined;
  /** float16 codes (binary16 bits). */
  halves?: Uint16Array | undefined;
}
