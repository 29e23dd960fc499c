import {
  type AddOptions,
  ClipkitError,
  checkAddBatch,
  checkFilter,
  checkQueries,
  type EmbeddingSpace,
  type Embeddings,
  type Metadata,
  type Retriever,
  type SearchHit,
  type SearchOptions,
  sameSpace,
  unitRows,
} from "@clipkit/core";
import { checkInt, quoteIdentifier, run, type SqlClient, serialized, vectorLiteral } from "./sql.js";

/** HNSW index settings for {@link PgVectorRetriever} (pgvector ≥ 0.5). */
export interface PgVectorHnswOptions {
  /** Max connections per layer (default 16). */
  m?: number;
  /** Candidate list while building (default 64). */
  efConstruction?: number;
  /** Candidate list while searching, set per search with `set_config` (default 40). */
  efSearch?: number;
}

/** Options of {@link PgVectorRetriever.open}. */
export interface PgVectorOptions {
  /** Table holding `(id text primary key, embedding vector(dim), metadata jsonb)`. */
  table: string;
  /** Schema (default: the search path). */
  schema?: string;
  /** Build an HNSW index (`vector_cosine_ops`); omitted or false means exact sequential scans. */
  hnsw?: PgVectorHnswOptions | false;
  /** Rows per multi-row INSERT (default 200). */
  batchSize?: number;
  /** Run `CREATE EXTENSION IF NOT EXISTS vector` first (default true; needs the privilege). */
  createExtension?: boolean;
}

interface HitRow {
  id: string;
  score: number;
  metadata: unknown;
}

/**
 * A {@link Retriever} over Postgres + pgvector, speaking plain SQL through any {@link SqlClient}
 * (`pg`, PGlite with its `vector` extension). Cosine distance (`<=>`), optional HNSW index,
 * metadata as JSONB with equality filters (`metadata @> $n`), batched multi-row inserts, and only
 * parameterised values. The table's embedding space is recorded in `clipkit_spaces`, so reopening
 * it with another model's space fails with `SPACE_MISMATCH`.
 *
 * Calls on one client run one at a time (a per-client queue), so concurrent `add`s on a single
 * connection each commit or roll back alone; for parallel writes use one retriever per connection.
 */
export class PgVectorRetriever<M extends Metadata = Metadata> implements Retriever<M> {
  readonly space: EmbeddingSpace;
  private readonly client: SqlClient;
  private readonly table: string;
  private readonly efSearch: number | undefined;
  private readonly batchSize: number;

  private constructor(
    client: SqlClient,
    space: EmbeddingSpace,
    table: string,
    efSearch: number | undefined,
    batchSize: number,
  ) {
    this.client = client;
    this.space = space;
    this.table = table;
    this.efSearch = efSearch;
    this.batchSize = batchSize;
  }

  /** Creates the table (and HNSW index) if missing, or checks an existing one holds `space`. */
  static async open<M extends Metadata = Metadata>(
    client: SqlClient,
    space: EmbeddingSpace,
    options: PgVectorOptions,
  ): Promise<PgVectorRetriever<M>> {
    const name = quoteIdentifier(options.table, "table");
    const schema = options.schema === undefined ? undefined : quoteIdentifier(options.schema, "schema");
    const table = schema ? `${schema}.${name}` : name;
    const dim = checkInt(space.dim, "space.dim", 1, 16000);
    const batchSize = checkInt(options.batchSize ?? 200, "batchSize", 1, 5000);
    const hnsw = options.hnsw || undefined;
    const m = hnsw ? checkInt(hnsw.m ?? 16, "hnsw.m", 2, 100) : 0;
    const efc = hnsw ? checkInt(hnsw.efConstruction ?? 64, "hnsw.efConstruction", 4, 1000) : 0;
    const efSearch = hnsw ? checkInt(hnsw.efSearch ?? 40, "hnsw.efSearch", 1, 1000) : undefined;
    if (options.createExtension !== false) await run(client, "CREATE EXTENSION IF NOT EXISTS vector");
    const spaces = schema ? `${schema}."clipkit_spaces"` : `"clipkit_spaces"`;
    await run(
      client,
      `CREATE TABLE IF NOT EXISTS ${spaces} (table_name text PRIMARY KEY, space jsonb NOT NULL)`,
    );
    const key = schema ? `${options.schema}.${options.table}` : options.table;
    const known = await run<{ space: EmbeddingSpace }>(
      client,
      `SELECT space FROM ${spaces} WHERE table_name = $1`,
      [key],
    );
    const recorded = known[0]?.space;
    if (recorded && !sameSpace(typeof recorded === "string" ? JSON.parse(recorded) : recorded, space)) {
      throw new ClipkitError("SPACE_MISMATCH", `table ${key} holds embeddings of another space`, {
        details: { table: key, recorded, requested: space },
      });
    }
    await run(
      client,
      `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, embedding vector(${dim}) NOT NULL, metadata jsonb)`,
    );
    if (!recorded) {
      await run(
        client,
        `INSERT INTO ${spaces} (table_name, space) VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING`,
        [key, JSON.stringify(space)],
      );
    }
    if (hnsw) {
      const indexName = quoteIdentifier(`${options.table}_embedding_hnsw`.slice(0, 63), "table");
      await run(
        client,
        `CREATE INDEX IF NOT EXISTS ${indexName} ON ${table} USING hnsw (embedding vector_cosine_ops) WITH (m = ${m}, ef_construction = ${efc})`,
      );
    }
    return new PgVectorRetriever<M>(client, space, table, efSearch, batchSize);
  }

  async size(): Promise<number> {
    const rows = await serialized(this.client, () =>
      run<{ n: number | string }>(this.client, `SELECT count(*) AS n FROM ${this.table}`),
    );
    return Number(rows[0]!.n);
  }

  async has(id: string): Promise<boolean> {
    const rows = await serialized(this.client, () =>
      run(this.client, `SELECT 1 FROM ${this.table} WHERE id = $1`, [id]),
    );
    return rows.length > 0;
  }

  async add(
    ids: readonly string[],
    embeddings: Embeddings,
    metadata?: readonly (M | undefined)[],
    options: AddOptions = {},
  ): Promise<void> {
    checkAddBatch(this.space, ids, embeddings, metadata, "PgVectorRetriever.add");
    await serialized(this.client, () => this.addInTransaction(ids, embeddings, metadata, options));
  }

  private async addInTransaction(
    ids: readonly string[],
    embeddings: Embeddings,
    metadata: readonly (M | undefined)[] | undefined,
    options: AddOptions,
  ): Promise<void> {
    const rows = unitRows(embeddings);
    const dim = this.space.dim;
    await run(this.client, "BEGIN");
    try {
      if (!options.upsert) {
        const taken = await run<{ id: string }>(
          this.client,
          `SELECT id FROM ${this.table} WHERE id = ANY($1::text[]) LIMIT 1`,
          [[...ids]],
        );
        if (taken.length > 0) {
          throw new ClipkitError(
            "DUPLICATE_ID",
            `PgVectorRetriever.add: id "${taken[0]!.id}" is already stored`,
            {
              details: { argument: "ids", id: taken[0]!.id },
            },
          );
        }
      }
      const conflict = options.upsert
        ? " ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding, metadata = EXCLUDED.metadata"
        : "";
      for (let start = 0; start < ids.length; start += this.batchSize) {
        const end = Math.min(ids.length, start + this.batchSize);
        const values: string[] = [];
        const params: unknown[] = [];
        for (let r = start; r < end; r++) {
          const p = params.length;
          values.push(`($${p + 1}, $${p + 2}::vector, $${p + 3}::jsonb)`);
          const m = metadata?.[r];
          params.push(ids[r], vectorLiteral(rows, r * dim, dim), m === undefined ? null : JSON.stringify(m));
        }
        await run(
          this.client,
          `INSERT INTO ${this.table} (id, embedding, metadata) VALUES ${values.join(", ")}${conflict}`,
          params,
        );
      }
      await run(this.client, "COMMIT");
    } catch (error) {
      await run(this.client, "ROLLBACK").catch(() => {});
      throw error;
    }
  }

  async remove(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await serialized(this.client, () =>
      run(this.client, `DELETE FROM ${this.table} WHERE id = ANY($1::text[]) RETURNING id`, [[...ids]]),
    );
    return rows.length;
  }

  /**
   * One parameterised `ORDER BY embedding <=> $1 LIMIT $2` statement per query, so Postgres can use
   * the HNSW index (approximate results; `hnsw.ef_search` is set for the session first) or a
   * top-N heap sort over a sequential scan (exact). A single LATERAL statement over all queries
   * was measured ~100× slower on PGlite: the query vector was re-parsed for every row.
   */
  async search(queries: Embeddings, options: SearchOptions): Promise<SearchHit<M>[][]> {
    checkQueries(this.space, queries, options.k, "PgVectorRetriever.search");
    checkFilter(options.filter, "PgVectorRetriever.search");
    if (options.k === 0) return Array.from({ length: queries.count }, () => []);
    return serialized(this.client, () => this.searchNow(queries, options));
  }

  private async searchNow(queries: Embeddings, options: SearchOptions): Promise<SearchHit<M>[][]> {
    const out: SearchHit<M>[][] = [];
    const q = unitRows(queries);
    const dim = this.space.dim;
    const hasFilter = options.filter !== undefined && Object.keys(options.filter).length > 0;
    const where = hasFilter ? "WHERE metadata @> $3::jsonb" : "";
    if (this.efSearch !== undefined) {
      const ef = String(Math.max(this.efSearch, options.k));
      await run(this.client, "SELECT set_config('hnsw.ef_search', $1, false)", [ef]);
    }
    const sql = `SELECT id, metadata, 1 - (embedding <=> $1::vector) AS score FROM ${this.table} ${where}
      ORDER BY embedding <=> $1::vector LIMIT $2`;
    for (let i = 0; i < queries.count; i++) {
      const params: unknown[] = [vectorLiteral(q, i * dim, dim), options.k];
      if (hasFilter) params.push(JSON.stringify(options.filter));
      const rows = await run<HitRow>(this.client, sql, params);
      out.push(
        rows.map((row) => ({
          id: row.id,
          score: Number(row.score),
          metadata: (row.metadata === null
            ? undefined
            : typeof row.metadata === "string"
              ? JSON.parse(row.metadata)
              : row.metadata) as M | undefined,
        })),
      );
    }
    return out;
  }
}
