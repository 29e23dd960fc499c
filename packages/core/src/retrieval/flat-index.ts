import type { MatMulTopK } from "../backend/matmul-topk.js";
import type { EmbeddingSpace, Embeddings } from "../embeddings.js";
import { ClipkitError, isClipkitError } from "../errors.js";
import type { TopKHeap } from "../math/topk.js";
import { type ExactContext, exactTopK, exactTopKAsync, firstShortlist, pickRows, scanEps } from "./exact.js";
import type { FlatIndexOptions, FlatRuntimeOptions, FlatState, FlatStorage } from "./flat-options.js";
import { encodeHalf } from "./float16.js";
import { float32GemmScan, int8GemmScan, transposeCodes } from "./gemm-scan.js";
import { quantizeQueriesInt8, quantizeRowsInt8 } from "./quantize.js";
import { ResidentRows } from "./resident.js";
import type { AddOptions, Metadata, Retriever, SearchHit, SearchOptions } from "./types.js";

export type { FlatIndexOptions, FlatRuntimeOptions, FlatState, FlatStorage } from "./flat-options.js";

import { checkAddBatch, checkFilter, checkQueries, matchesFilter, unitRows } from "./validate.js";

/**
 * Rows beyond k that the float32 GEMM's TopK returns for the certificate. onnxruntime's TopK costs
 * ~0.05 ms per extra row on a 64 × 100,000 batch (k = 10: 3.3 ms, k + 32: 5.0 ms, issue #18), and
 * float32 rounding (ε ≈ 6·10⁻⁵ at 512-d) rarely leaves more than a few near-ties at the k-th
 * score; 16 rows still absorb 16 exact duplicates there before a query needs a second scan.
 */
const GEMM_MARGIN = 16;

/**
 * Exact (brute-force) cosine index in pure TypeScript: browser-safe, no dependencies. The rows live
 * in the memory of a WebAssembly SIMD kernel (no per-search copy), which scans them register-tiled
 * (four queries × two rows per step); a shortlist is then re-scored in float64 with a rounding
 * certificate, so results equal a brute-force float64 scan with ties broken by the lower row, for
 * every storage with `rescore`. {@link searchAsync} can run the batched scan on the inference
 * runtime's GEMM instead. Use it up to a few hundred thousand vectors or when exactness matters
 * (and as the ground truth for ANN recall).
 *
 * Removing swaps the last row into the hole, so it costs O(dim) and the buffers stay dense.
 */
export class FlatIndex<M extends Metadata = Metadata> implements Retriever<M> {
  readonly space: EmbeddingSpace;
  readonly storage: FlatStorage;
  private readonly rescore: boolean;
  private readonly shortlist: number;
  private readonly ids: string[] = [];
  private readonly metadata: (M | undefined)[] = [];
  private readonly rowOf = new Map<string, number>();
  /** The scanned rows (float32 originals, float16 or int8 codes), resident in kernel memory. */
  private readonly rows: ResidentRows;
  /** Float32 originals for re-scoring when the scanned rows are codes. */
  private originals: Float32Array | undefined;
  private scales: Float32Array | undefined;
  /** Largest ‖code·scale − x‖ over added int8 rows (the int8 error bound). */
  private residual = 0;
  private readonly gemm: MatMulTopK | undefined;
  private readonly minGemmQueries: number;
  /** int8 codes transposed (`dim × count`) for the runtime's int8 GEMM, made on first use. */
  private transposed: { version: number; data: Int8Array } | undefined;
  /** Bumped by every change of the rows, so {@link transposed} knows when it is stale. */
  private version = 0;
  /** False once the backend failed the int8 GEMM (e.g. a runtime without the contrib op). */
  private int8Gemm = true;
  private count = 0;
  private capacity = 0;

  constructor(space: EmbeddingSpace, options: FlatIndexOptions = {}) {
    const storage = options.storage ?? "float32";
    if (storage !== "float32" && storage !== "int8" && storage !== "float16") {
      throw new ClipkitError("INVALID_ARGUMENT", `FlatIndex: unknown storage "${String(storage)}"`, {
        details: { argument: "storage" },
      });
    }
    const shortlist = options.shortlist ?? 4;
    if (!(shortlist >= 1)) {
      throw new ClipkitError("INVALID_ARGUMENT", `FlatIndex: shortlist must be ≥ 1, got ${shortlist}`, {
        details: { argument: "shortlist" },
      });
    }
    this.space = space;
    this.storage = storage;
    this.rescore = storage === "float32" || options.rescore !== false;
    this.shortlist = shortlist;
    this.rows = new ResidentRows(storage, space.dim);
    if (storage !== "float32" && this.rescore) this.originals = new Float32Array(0);
    if (storage === "int8") this.scales = new Float32Array(0);
    this.gemm = options.backend?.matmulTopK?.();
    const minGemm = options.minGemmQueries ?? 2;
    if (!(Number.isInteger(minGemm) && minGemm >= 1)) {
      throw new ClipkitError(
        "INVALID_ARGUMENT",
        `FlatIndex: minGemmQueries must be an integer ≥ 1, got ${minGemm}`,
        {
          details: { argument: "minGemmQueries" },
        },
      );
    }
    this.minGemmQueries = minGemm;
  }

  /** Rebuilds an index from decoded state (used by the file codec). */
  static fromState<M extends Metadata>(state: FlatState<M>, runtime: FlatRuntimeOptions = {}): FlatIndex<M> {
    const index = new FlatIndex<M>(state.space, { ...state, ...runtime });
    const n = state.ids.length;
    const dim = state.space.dim;
    index.reserve(n);
    const codes =
      state.storage === "float32" ? state.vectors : state.storage === "int8" ? state.codes : state.halves;
    index.rows.rows(n).set(codes!.subarray(0, n * dim) as never);
    if (index.originals) index.originals.set(state.vectors!.subarray(0, n * dim));
    if (index.scales) {
      index.scales.set(state.scales!.subarray(0, n));
      if (state.vectors) {
        const c = index.rows.rows(n) as Int8Array;
        for (let r = 0; r < n; r++) index.noteResidual(state.vectors, c, state.scales![r]!, r);
      } else index.residual = Number.POSITIVE_INFINITY;
    }
    index.ids.push(...state.ids);
    index.metadata.push(...state.metadata);
    index.count = n;
    for (let row = 0; row < n; row++) index.rowOf.set(state.ids[row]!, row);
    return index;
  }

  /** A read-only view of the stored rows, trimmed to `size()` (for the file codec). */
  state(): FlatState<M> {
    const n = this.count;
    const dim = this.space.dim;
    const scanned = this.rows.rows(n);
    return {
      space: this.space,
      storage: this.storage,
      rescore: this.rescore,
      shortlist: this.shortlist,
      ids: this.ids,
      metadata: this.metadata,
      vectors: this.storage === "float32" ? (scanned as Float32Array) : this.originals?.subarray(0, n * dim),
      codes: this.storage === "int8" ? (scanned as Int8Array) : undefined,
      scales: this.scales?.subarray(0, n),
      halves: this.storage === "float16" ? (scanned as Uint16Array) : undefined,
    };
  }

  size(): number {
    return this.count;
  }

  has(id: string): boolean {
    return this.rowOf.has(id);
  }

  /** The metadata stored with `id` (undefined when absent or stored without metadata). */
  getMetadata(id: string): M | undefined {
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : this.metadata[row];
  }

  /** Replaces the metadata of a stored entry without touching its vector; false when `id` is absent. */
  setMetadata(id: string, metadata: M | undefined): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    this.metadata[row] = metadata;
    return true;
  }

  /** Bytes held per stored vector (excluding ids and metadata). */
  bytesPerVector(): number {
    const dim = this.space.dim;
    const codes = { float32: 4 * dim, float16: 2 * dim, int8: dim + 4 }[this.storage];
    return codes + (this.originals ? 4 * dim : 0);
  }

  add(
    ids: readonly string[],
    embeddings: Embeddings,
    metadata?: readonly (M | undefined)[],
    options: AddOptions = {},
  ): void {
    checkAddBatch(this.space, ids, embeddings, metadata, "FlatIndex.add");
    if (!options.upsert) {
      for (const id of ids) {
        if (this.rowOf.has(id)) {
          throw new ClipkitError("DUPLICATE_ID", `FlatIndex.add: id "${id}" is already indexed`, {
            details: { argument: "ids", id },
          });
        }
      }
    }
    const unit = unitRows(embeddings);
    const dim = this.space.dim;
    const fresh = new Set(ids.filter((id) => !this.rowOf.has(id))).size;
    this.reserve(this.count + fresh);
    const at: number[] = [];
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r]!;
      let row = this.rowOf.get(id);
      if (row === undefined) {
        row = this.count++;
        this.rowOf.set(id, row);
      }
      this.ids[row] = id;
      this.metadata[row] = metadata?.[r];
      at.push(row);
    }
    this.version++;
    const scanned = this.rows.rows(this.count);
    const one = new Float32Array(dim);
    at.forEach((row, r) => {
      const src = unit.subarray(r * dim, (r + 1) * dim);
      this.originals?.set(src, row * dim);
      if (this.storage === "float32") (scanned as Float32Array).set(src, row * dim);
      else if (this.storage === "float16") encodeHalf(src, scanned as Uint16Array, row * dim);
      else {
        one.set(src);
        quantizeRowsInt8(one, dim, scanned as Int8Array, this.scales!, row);
        this.noteResidual(unit, scanned as Int8Array, this.scales![row]!, row, r);
      }
    });
  }

  remove(ids: readonly string[]): number {
    const dim = this.space.dim;
    let removed = 0;
    this.version++;
    for (const id of ids) {
      const at = this.rowOf.get(id);
      if (at === undefined) continue;
      const last = --this.count;
      this.rowOf.delete(id);
      if (at !== last) {
        const lastId = this.ids[last]!;
        this.ids[at] = lastId;
        this.metadata[at] = this.metadata[last];
        this.rowOf.set(lastId, at);
        this.rows.move(at, last);
        this.originals?.copyWithin(at * dim, last * dim, (last + 1) * dim);
        if (this.scales) this.scales[at] = this.scales[last]!;
      }
      this.ids.length = last;
      this.metadata.length = last;
      removed++;
    }
    return removed;
  }

  /** The best `k` hits per query row, best first, scanned by the WebAssembly SIMD kernels. */
  search(queries: Embeddings, options: SearchOptions): SearchHit<M>[][] {
    const p = this.prepare(queries, options, "FlatIndex.search");
    const scan = (pending: readonly number[], kk: number) =>
      this.rows.scan(pickRows(p.q, p.dim, pending), pending.length, this.count, kk, p.allowed, this.scales);
    if (!p.ctx) return this.hits(scan(p.all, options.k));
    return this.hits(exactTopK(p.ctx, p.nq, firstShortlist(options.k, this.shortlistFactor()), scan));
  }

  /**
   * {@link search}, with unfiltered batches (of at least `minGemmQueries` queries, default 2)
   * scanned by the backend's `matmulTopK` (its GEMM) when the index was given one: float32 rows
   * on the float32 GEMM, int8 codes (with `rescore`) on the runtime's int8 GEMM where it has one
   * (`runInt8`; the codes are then also kept transposed, `dim` bytes more per vector, made on the
   * first such search after a change). The shortlist is re-scored exactly as in {@link search},
   * so both return the same hits.
   */
  async searchAsync(queries: Embeddings, options: SearchOptions): Promise<SearchHit<M>[][]> {
    const gemm = this.gemm;
    const filtered = options.filter !== undefined && Object.keys(options.filter).length > 0;
    const few = queries.count < this.minGemmQueries;
    if (!gemm || filtered || few || this.count === 0 || options.k === 0) return this.search(queries, options);
    if (this.storage === "int8") return this.searchInt8Gemm(gemm, queries, options);
    if (this.storage !== "float32") return this.search(queries, options);
    const p = this.prepare(queries, options, "FlatIndex.searchAsync");
    const n = this.count;
    const scan = float32GemmScan(gemm, p.q, p.dim, () => this.rows.rows(n) as Float32Array, n);
    return this.hits(await exactTopKAsync(p.ctx!, p.nq, options.k + GEMM_MARGIN, scan));
  }

  /** {@link searchAsync} for int8 codes on the runtime's uint8 × int8 GEMM. */
  private async searchInt8Gemm(
    gemm: MatMulTopK,
    queries: Embeddings,
    options: SearchOptions,
  ): Promise<SearchHit<M>[][]> {
    const { runInt8 } = gemm;
    if (!runInt8 || !this.int8Gemm || !this.originals) return this.search(queries, options);
    const p = this.prepare(queries, options, "FlatIndex.searchAsync");
    const n = this.count;
    if (this.transposed?.version !== this.version) {
      const data = transposeCodes(this.rows.rows(n) as Int8Array, n, p.dim);
      this.transposed = { version: this.version, data };
    }
    const scan = int8GemmScan(
      { ...gemm, runInt8 },
      quantizeQueriesInt8(p.q, p.dim),
      p.dim,
      this.transposed.data,
      this.scales!.subarray(0, n),
      n,
    );
    try {
      return this.hits(await exactTopKAsync(p.ctx!, p.nq, firstShortlist(options.k, this.shortlist), scan));
    } catch (error) {
      if (isClipkitError(error) && error.code === "INVALID_ARGUMENT") throw error;
      // A runtime without the int8 op (or that failed it): remember, and scan in wasm from now on.
      this.int8Gemm = false;
      return this.search(queries, options);
    }
  }

  private shortlistFactor(): number {
    // float32 scans are off by rounding only: a fixed margin of 32 rows is plenty.
    return this.storage === "float32" ? 1 : this.shortlist;
  }

  private prepare(queries: Embeddings, options: SearchOptions, where: string) {
    checkQueries(this.space, queries, options.k, where);
    checkFilter(options.filter, where);
    const { k, filter } = options;
    const dim = this.space.dim;
    const n = this.count;
    const nq = queries.count;
    const q = unitRows(queries);
    let allowed: Uint8Array | undefined;
    let rows = n;
    if (filter !== undefined && Object.keys(filter).length > 0) {
      allowed = new Uint8Array(n);
      rows = 0;
      for (let i = 0; i < n; i++) rows += allowed[i] = matchesFilter(this.metadata[i], filter) ? 1 : 0;
    }
    const all = Array.from({ length: nq }, (_, i) => i);
    const ctx: ExactContext | undefined = this.rescore
      ? {
          queries: q,
          dim,
          k,
          rows,
          originals: () => this.originals ?? (this.rows.rows(n) as Float32Array),
          eps: this.epsFor(q, nq),
        }
      : undefined;
    return { q, dim, nq, allowed, all, ctx };
  }

  /** Per-query bound on |scanned score − exact float64 score| for this storage. */
  private epsFor(q: Float32Array, nq: number): (qi: number) => number {
    return scanEps(this.storage, this.space.dim, q, nq, this.residual);
  }

  private noteResidual(src: Float32Array, codes: Int8Array, scale: number, row: number, srcRow = row): void {
    const dim = this.space.dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += (codes[row * dim + j]! * scale - src[srcRow * dim + j]!) ** 2;
    this.residual = Math.max(this.residual, Math.sqrt(s));
  }

  private hits(heaps: TopKHeap[]): SearchHit<M>[][] {
    return heaps.map((h) =>
      h.sorted().map(({ index, score }) => ({ id: this.ids[index]!, score, metadata: this.metadata[index] })),
    );
  }

  /** Grows the row buffers geometrically so a stream of small adds stays amortised O(1). */
  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const dim = this.space.dim;
    const cap = Math.max(rows, Math.ceil(this.capacity * 1.5), 64);
    this.rows.reserve(cap, this.count);
    if (this.originals) this.originals = grow(this.originals, cap * dim, this.count * dim);
    if (this.scales) this.scales = grow(this.scales, cap, this.count);
    this.capacity = cap;
  }
}

function grow(old: Float32Array, length: number, used: number): Float32Array {
  const next = new Float32Array(length);
  next.set(old.subarray(0, used));
  return next;
}
