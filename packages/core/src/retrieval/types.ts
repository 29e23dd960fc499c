import type { EmbeddingSpace, Embeddings } from "../embeddings.js";

/** A value that may or may not need awaiting: in-memory indexes answer synchronously, databases do not. */
export type MaybePromise<T> = T | Promise<T>;

/** JSON-serialisable per-item data stored next to a vector (file path, caption, tags). */
export type Metadata = Readonly<Record<string, unknown>>;

/** A scalar a metadata filter can match. */
export type FilterValue = string | number | boolean | null;

/**
 * Conjunctive equality filter on top-level metadata keys: an item matches when, for every key, its
 * metadata holds exactly that value. Declarative (not a callback) so the database adapters can turn
 * it into a parameterised query (`metadata @> $1` in pgvector) instead of filtering in JS.
 */
export type MetadataFilter = Readonly<Record<string, FilterValue>>;

/** Options of {@link Retriever.search}. */
export interface SearchOptions {
  /** Hits per query. Larger than the index returns every (matching) item. */
  k: number;
  /** Only items whose metadata matches are returned. */
  filter?: MetadataFilter;
}

/** Options of {@link Retriever.add}. */
export interface AddOptions {
  /** Replace items whose id already exists instead of throwing `DUPLICATE_ID` (default false). */
  upsert?: boolean;
}

/** One search result. `score` is the cosine similarity (higher is better). */
export interface SearchHit<M extends Metadata = Metadata> {
  id: string;
  score: number;
  metadata: M | undefined;
}

/**
 * A vector index over one embedding space. Every implementation (exact flat, native ANN, pgvector)
 * has this shape, so code that searches is written once and the store is injected.
 *
 * Scores are cosine similarities: unnormalised spaces are normalised on the way in.
 */
export interface Retriever<M extends Metadata = Metadata> {
  /** The space every stored vector and every query must come from (else `SPACE_MISMATCH`). */
  readonly space: EmbeddingSpace;
  /**
   * Adds `embeddings.count` items. `ids[i]` names row `i`; `metadata[i]` (optional) is stored with it.
   * Existing or repeated ids throw `DUPLICATE_ID` unless `options.upsert`; non-finite vectors throw
   * `NON_FINITE`. Nothing is added when it throws.
   */
  add(
    ids: readonly string[],
    embeddings: Embeddings,
    metadata?: readonly (M | undefined)[],
    options?: AddOptions,
  ): MaybePromise<void>;
  /** Removes the given ids; unknown ids are ignored. Returns how many items were removed. */
  remove(ids: readonly string[]): MaybePromise<number>;
  /** The best `k` hits for each query row, best first. */
  search(queries: Embeddings, options: SearchOptions): MaybePromise<SearchHit<M>[][]>;
  /** Number of stored items. */
  size(): MaybePromise<number>;
  /** True when an item with this id is stored. */
  has(id: string): MaybePromise<boolean>;
}
