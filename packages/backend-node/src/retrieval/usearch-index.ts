import {
  type AddOptions,
  ClipkitError,
  checkAddBatch,
  checkFilter,
  checkQueries,
  type EmbeddingSpace,
  type Embeddings,
  type Metadata,
  matchesFilter,
  type Retriever,
  type SearchHit,
  type SearchOptions,
  unitRows,
  wrapError,
} from "@clipkit/core";
import type { BatchMatches, Matches, Index as NativeIndex } from "usearch";
import { loadUsearch } from "./usearch-native.js";

/** HNSW parameters of a {@link UsearchIndex}. Defaults reach recall@10 ≥ 0.95 on CLIP-like data. */
export interface UsearchIndexOptions {
  /** Graph degree M (default 16). Higher: better recall, more memory, slower build. */
  connectivity?: number;
  /** Candidate list size while inserting, efConstruction (default 128). */
  expansionAdd?: number;
  /** Candidate list size while searching, ef (default 64). Higher: better recall, slower search. */
  expansionSearch?: number;
  /** Stored scalar type (default `"f32"`; `"f16"` halves vector memory, `"i8"` quarters it). */
  quantization?: "f32" | "f16" | "i8";
  /** Native threads for batch add/search; 0 = all cores (default). */
  threads?: number;
}

/** Everything needed to rebuild a {@link UsearchIndex} around a reloaded native graph. */
export interface UsearchState<M extends Metadata> {
  space: EmbeddingSpace;
  options: Required<UsearchIndexOptions>;
  keys: number[];
  ids: string[];
  metadata: (M | undefined)[];
  nextKey: number;
}

const DEFAULTS: Required<UsearchIndexOptions> = {
  connectivity: 16,
  expansionAdd: 128,
  expansionSearch: 64,
  quantization: "f32",
  threads: 0,
};

/**
 * Approximate nearest-neighbour (HNSW) cosine index on usearch's native SIMD code. Sub-linear
 * search for large galleries (≥ ~100k vectors) where an exact scan is too slow; results are
 * approximate, so measure recall against {@link FlatIndex} on your data. String ids map to the
 * integer keys usearch needs; metadata lives on the JS side. Persist with `saveUsearchIndex`.
 */
export class UsearchIndex<M extends Metadata = Metadata> implements Retriever<M> {
  readonly space: EmbeddingSpace;
  readonly options: Required<UsearchIndexOptions>;
  /** The usearch index itself, for tuning beyond these options. */
  readonly native: NativeIndex;
  private readonly keyOf = new Map<string, number>();
  private readonly byKey = new Map<number, { id: string; metadata: M | undefined }>();
  private nextKey = 0;

  constructor(space: EmbeddingSpace, options: UsearchIndexOptions = {}) {
    this.space = space;
    this.options = { ...DEFAULTS, ...options };
    const u = loadUsearch();
    const o = this.options;
    for (const name of ["connectivity", "expansionAdd", "expansionSearch", "threads"] as const) {
      if (!Number.isInteger(o[name]) || o[name] < 0) {
        throw new ClipkitError("INVALID_ARGUMENT", `UsearchIndex: ${name} must be a non-negative integer`, {
          details: { argument: name },
        });
      }
    }
    const scalar = { f32: u.ScalarKind.F32, f16: u.ScalarKind.F16, i8: u.ScalarKind.I8 }[o.quantization];
    if (scalar === undefined) {
      throw new ClipkitError("INVALID_ARGUMENT", `UsearchIndex: unknown quantization "${o.quantization}"`, {
        details: { argument: "quantization" },
      });
    }
    this.native = new u.Index({
      dimensions: space.dim,
      metric: u.MetricKind.Cos,
      quantization: scalar,
      connectivity: o.connectivity,
      expansion_add: o.expansionAdd,
      expansion_search: o.expansionSearch,
      multi: false,
    });
  }

  /** Re-attaches ids and metadata to a native graph loaded from disk (used by the file codec). */
  static fromState<M extends Metadata>(
    state: UsearchState<M>,
    load: (native: NativeIndex) => void,
  ): UsearchIndex<M> {
    const index = new UsearchIndex<M>(state.space, state.options);
    load(index.native);
    state.keys.forEach((key, i) => {
      index.keyOf.set(state.ids[i]!, key);
      index.byKey.set(key, { id: state.ids[i]!, metadata: state.metadata[i] });
    });
    index.nextKey = state.nextKey;
    return index;
  }

  /** Ids, keys and metadata, for the file codec. */
  state(): UsearchState<M> {
    const keys = [...this.byKey.keys()];
    return {
      space: this.space,
      options: this.options,
      keys,
      ids: keys.map((k) => this.byKey.get(k)!.id),
      metadata: keys.map((k) => this.byKey.get(k)!.metadata),
      nextKey: this.nextKey,
    };
  }

  size(): number {
    return this.byKey.size;
  }

  has(id: string): boolean {
    return this.keyOf.has(id);
  }

  /** The metadata stored with `id` (undefined when absent or stored without metadata). */
  getMetadata(id: string): M | undefined {
    const key = this.keyOf.get(id);
    return key === undefined ? undefined : this.byKey.get(key)!.metadata;
  }

  /** Replaces the metadata of a stored entry without touching its vector; false when `id` is absent. */
  setMetadata(id: string, metadata: M | undefined): boolean {
    const key = this.keyOf.get(id);
    if (key === undefined) return false;
    this.byKey.set(key, { id, metadata });
    return true;
  }

  add(
    ids: readonly string[],
    embeddings: Embeddings,
    metadata?: readonly (M | undefined)[],
    options: AddOptions = {},
  ): void {
    checkAddBatch(this.space, ids, embeddings, metadata, "UsearchIndex.add");
    const existing = ids.filter((id) => this.keyOf.has(id));
    if (existing.length > 0 && !options.upsert) {
      throw new ClipkitError("DUPLICATE_ID", `UsearchIndex.add: id "${existing[0]}" is already indexed`, {
        details: { argument: "ids", id: existing[0] },
      });
    }
    this.remove(existing);
    const keys = new BigUint64Array(ids.length);
    for (let i = 0; i < ids.length; i++) keys[i] = BigInt(this.nextKey + i);
    try {
      // One batch call: usearch inserts it on `threads` native threads.
      if (ids.length > 0) this.native.add(keys, unitRows(embeddings).slice(), this.options.threads);
    } catch (error) {
      throw wrapError(error, "INVALID_ARGUMENT", "UsearchIndex.add failed");
    }
    ids.forEach((id, i) => {
      const key = this.nextKey + i;
      this.keyOf.set(id, key);
      this.byKey.set(key, { id, metadata: metadata?.[i] });
    });
    this.nextKey += ids.length;
  }

  remove(ids: readonly string[]): number {
    let removed = 0;
    for (const id of ids) {
      const key = this.keyOf.get(id);
      if (key === undefined) continue;
      this.native.remove(BigInt(key));
      this.keyOf.delete(id);
      this.byKey.delete(key);
      removed++;
    }
    return removed;
  }

  search(queries: Embeddings, options: SearchOptions): SearchHit<M>[][] {
    checkQueries(this.space, queries, options.k, "UsearchIndex.search");
    checkFilter(options.filter, "UsearchIndex.search");
    const { k, filter } = options;
    const size = this.size();
    const q = unitRows(queries);
    const dim = this.space.dim;
    const out: SearchHit<M>[][] = [];
    const hasFilter = filter !== undefined && Object.keys(filter).length > 0;
    if (!hasFilter && queries.count > 1 && k > 0 && size > 0) {
      // Unfiltered batches go to usearch in one call, searched on native threads.
      // Typed as one Vector → Matches, but a multi-row buffer yields BatchMatches at run time.
      const batch = this.native.search(
        q.slice(),
        Math.min(k, size),
        this.options.threads,
      ) as unknown as BatchMatches;
      for (let qi = 0; qi < queries.count; qi++) out.push(this.collect(batch.get(qi), undefined));
      return out;
    }
    for (let qi = 0; qi < queries.count; qi++) {
      // Copy each row: usearch ignores a subarray's byte offset.
      const row = q.slice(qi * dim, (qi + 1) * dim);
      // HNSW has no native filter here: widen the candidate list until k matches survive.
      let want = hasFilter ? Math.min(size, Math.max(4 * k, 32)) : Math.min(k, size);
      for (;;) {
        const hits = this.collect(want > 0 ? this.native.search(row, want, 1) : undefined, filter);
        if (hits.length >= k || want >= size) {
          out.push(hits.slice(0, k));
          break;
        }
        want = Math.min(size, want * 4);
      }
    }
    return out;
  }

  private collect(m: Matches | undefined, filter: SearchOptions["filter"]): SearchHit<M>[] {
    const hits: SearchHit<M>[] = [];
    if (!m) return hits;
    for (let i = 0; i < m.keys.length; i++) {
      const entry = this.byKey.get(Number(m.keys[i]));
      if (!entry) continue;
      if (filter && !matchesFilter(entry.metadata, filter)) continue;
      hits.push({ id: entry.id, score: 1 - m.distances[i]!, metadata: entry.metadata });
    }
    return hits;
  }
}
