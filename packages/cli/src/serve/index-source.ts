import type { EmbeddingSpace, Embeddings, Metadata, SearchHit, SearchOptions } from "@clipkit/core";

/** What the routes need from a served index: flat, HNSW or pgvector. */
export interface SearchableIndex {
  readonly space: EmbeddingSpace;
  /** Items in the index (for pgvector, a count refreshed in the background). */
  size(): number;
  search(
    queries: Embeddings,
    options: SearchOptions,
  ): SearchHit<Metadata>[][] | Promise<SearchHit<Metadata>[][]>;
}

/**
 * Where `clipkit serve` gets its index: an index file ({@link IndexHolder}, hot-reloaded) or a
 * Postgres table ({@link PostgresIndexSource}, always live).
 */
export interface IndexSource {
  /** The file path, or the database URL without its password and the table. */
  readonly path: string;
  /** The index to search now; a request keeps the one it started with. */
  readonly current: { readonly kind: string; readonly index: SearchableIndex };
  /** Starts at 1; +1 per successful reload. */
  readonly generation: number;
  /** The last reload or refresh failure, if the latest one failed. */
  readonly lastError: string | undefined;
  /** The file of an indexed item on this machine (only what the index records is served). */
  filePath(id: string): Promise<string | undefined>;
  /**
   * Refuses a model of another embedding space (`SPACE_MISMATCH`), checked once at start; an
   * index file then only reloads a replacement built in that same space.
   */
  assertSpace(space: EmbeddingSpace): void;
  /** Stops watching or closes connections. */
  close(): Promise<void> | void;
}
