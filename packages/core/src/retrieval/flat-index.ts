import type { EmbeddingSpace, Embeddings } from "../embeddings.js";
import { ClipkitError } from "../errors.js";
import { TopKHeap } from "../math/topk.js";
import { dotAt, scanTopK } from "./kernels.js";
import { quantizeQueriesInt8, quantizeRowsInt8 } from "./quantize.js";
import type { AddOptions, Metadata, Retriever, SearchHit, SearchOptions } from "./types.js";
import { checkAddBatch, checkFilter, checkQueries, matchesFilter, unitRows } from "./validate.js";

/**
 * How a {@link FlatIndex} stores vectors.
 * - `"float32"`: exact scores, 4 bytes per dimension.
 * - `"int8"`: a per-row int8 code (1 byte per dimension + 4 bytes per row) scanned first; with
 *   `rescore` (default) a shortlist is re-scored exactly against float32 originals kept alongside
 *   (5 bytes per dimension in all), without it scores are approximate (1 byte per dimension).
 */
export type FlatStorage = "float32" | "int8";

/** Options of {@link FlatIndex}. */
export interface FlatIndexOptions {
  storage?: FlatStorage;
  /** int8 only: keep float32 originals and re-score a shortlist exactly (default true). */
  rescore?: boolean;
  /** int8 only: shortlist size as a multiple of `k` (default 4; at least k + 32 candidates). */
  shortlist?: number;
}

/** Internal state shared with the file codec ({@link flatToBytes}). */
export interface FlatState<M extends Metadata> {
  space: EmbeddingSpace;
  storage: FlatStorage;
  rescore: boolean;
  shortlist: number;
  ids: string[];
  metadata: (M | undefined)[];
  /** `count × dim` unit rows, or undefined for int8 without re-scoring. */
  vectors: Float32Array | undefined;
  codes: Int8Array | undefined;
  scales: Float32Array | undefined;
}

/**
 * Exact (brute-force) cosine index in pure TypeScript: browser-safe, no dependencies, exact results
 * for float32 storage. Search scans every row with a blocked batched kernel; use it up to a few
 * hundred thousand vectors or when exactness matters (and as the ground truth for ANN recall).
 *
 * Removing swaps the last row into the hole, so it costs O(dim) and the buffers stay dense.
 */
export class FlatIndex<M extends Metadata = Metadata> implements Retriever<M> {
  readonly space: EmbeddingSpace;
  readonly storage: FlatStorage;
  private readonly s: FlatState<M>;
  private readonly rowOf = new Map<string, number>();
  private count = 0;

  constructor(space: EmbeddingSpace, options: FlatIndexOptions = {}) {
    const storage = options.storage ?? "float32";
    if (storage !== "float32" && storage !== "int8") {
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
    const rescore = storage === "float32" || options.rescore !== false;
    this.space = space;
    this.storage = storage;
    this.s = {
      space,
      storage,
      rescore,
      shortlist,
      ids: [],
      metadata: [],
      vectors: rescore ? new Float32Array(0) : undefined,
      codes: storage === "int8" ? new Int8Array(0) : undefined,
      scales: storage === "int8" ? new Float32Array(0) : undefined,
    };
  }

  /** Rebuilds an index from decoded state (used by the file codec). */
  static fromState<M extends Metadata>(state: FlatState<M>): FlatIndex<M> {
    const index = new FlatIndex<M>(state.space, state);
    Object.assign(index.s, state);
    index.count = state.ids.length;
    for (let row = 0; row < state.ids.length; row++) index.rowOf.set(state.ids[row]!, row);
    return index;
  }

  /** A read-only view of the stored rows, trimmed to `size()` (for the file codec). */
  state(): FlatState<M> {
    const dim = this.space.dim;
    const n = this.count;
    return {
      ...this.s,
      vectors: this.s.vectors?.subarray(0, n * dim),
      codes: this.s.codes?.subarray(0, n * dim),
      scales: this.s.scales?.subarray(0, n),
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
    return row === undefined ? undefined : this.s.metadata[row];
  }

  /** Replaces the metadata of a stored entry without touching its vector; false when `id` is absent. */
  setMetadata(id: string, metadata: M | undefined): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    this.s.metadata[row] = metadata;
    return true;
  }

  /** Bytes held per stored vector (excluding ids and metadata). */
  bytesPerVector(): number {
    const dim = this.space.dim;
    return (this.s.vectors ? 4 * dim : 0) + (this.s.codes ? dim + 4 : 0);
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
    const rows = unitRows(embeddings);
    const dim = this.space.dim;
    const fresh = ids.filter((id) => !this.rowOf.has(id)).length;
    this.reserve(this.count + fresh);
    const one = new Float32Array(dim);
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r]!;
      let at = this.rowOf.get(id);
      if (at === undefined) {
        at = this.count++;
        this.rowOf.set(id, at);
      }
      this.s.ids[at] = id;
      this.s.metadata[at] = metadata?.[r];
      const src = rows.subarray(r * dim, (r + 1) * dim);
      this.s.vectors?.set(src, at * dim);
      if (this.s.codes) {
        one.set(src);
        quantizeRowsInt8(one, dim, this.s.codes, this.s.scales!, at);
      }
    }
  }

  remove(ids: readonly string[]): number {
    const dim = this.space.dim;
    let removed = 0;
    for (const id of ids) {
      const at = this.rowOf.get(id);
      if (at === undefined) continue;
      const last = --this.count;
      this.rowOf.delete(id);
      if (at !== last) {
        const lastId = this.s.ids[last]!;
        this.s.ids[at] = lastId;
        this.s.metadata[at] = this.s.metadata[last];
        this.rowOf.set(lastId, at);
        this.s.vectors?.copyWithin(at * dim, last * dim, (last + 1) * dim);
        this.s.codes?.copyWithin(at * dim, last * dim, (last + 1) * dim);
        if (this.s.scales) this.s.scales[at] = this.s.scales[last]!;
      }
      this.s.ids.length = last;
      this.s.metadata.length = last;
      removed++;
    }
    return removed;
  }

  search(queries: Embeddings, options: SearchOptions): SearchHit<M>[][] {
    checkQueries(this.space, queries, options.k, "FlatIndex.search");
    checkFilter(options.filter, "FlatIndex.search");
    const { k, filter } = options;
    const dim = this.space.dim;
    const ni = this.count;
    const nq = queries.count;
    const q = unitRows(queries);
    let allowed: Uint8Array | undefined;
    if (filter !== undefined && Object.keys(filter).length > 0) {
      allowed = new Uint8Array(ni);
      for (let i = 0; i < ni; i++) allowed[i] = matchesFilter(this.s.metadata[i], filter) ? 1 : 0;
    }
    let heaps: TopKHeap[];
    if (this.storage === "float32") {
      heaps = scanTopK({ queries: q, items: this.s.vectors!, nq, ni, dim, allowed }, k);
    } else {
      const qc = quantizeQueriesInt8(q, dim);
      const wide = this.s.rescore ? Math.max(Math.ceil(k * this.s.shortlist), k + 32) : k;
      const coarse = scanTopK(
        {
          queries: qc.codes,
          items: this.s.codes!,
          nq,
          ni,
          dim,
          queryScale: qc.scales,
          itemScale: this.s.scales!,
          allowed,
        },
        wide,
      );
      heaps = this.s.rescore ? coarse.map((h, qi) => this.rescore(h, q, qi, k)) : coarse;
    }
    return heaps.map((h) =>
      h
        .sorted()
        .map(({ index, score }) => ({ id: this.s.ids[index]!, score, metadata: this.s.metadata[index] })),
    );
  }

  /** Exact float32 scores for an int8 shortlist; ties keep the lower row, as in the float32 scan. */
  private rescore(shortlist: TopKHeap, q: Float32Array, qi: number, k: number): TopKHeap {
    const dim = this.space.dim;
    const exact = new TopKHeap(Math.min(k, shortlist.size));
    for (const { index } of shortlist.sorted()) {
      exact.push(dotAt(q, qi * dim, this.s.vectors!, index * dim, dim), index);
    }
    return exact;
  }

  /** Grows the row buffers geometrically so a stream of small adds stays amortised O(1). */
  private reserve(rows: number): void {
    const dim = this.space.dim;
    const have = this.s.codes ? this.s.scales!.length : this.s.vectors!.length / dim;
    if (rows <= have) return;
    const cap = Math.max(rows, Math.ceil(have * 1.5), 64);
    if (this.s.vectors) this.s.vectors = grow(this.s.vectors, cap * dim, this.count * dim);
    if (this.s.codes) this.s.codes = grow(this.s.codes, cap * dim, this.count * dim);
    if (this.s.scales) this.s.scales = grow(this.s.scales, cap, this.count);
  }
}

function grow<T extends Float32Array | Int8Array>(old: T, length: number, used: number): T {
  const next = new (old.constructor as new (n: number) => T)(length);
  next.set(old.subarray(0, used));
  return next;
}
