import { isAbsolute, relative, resolve } from "node:path";
import { type PgConnection, PgVectorRetriever, quoteIdentifier } from "@clipkit/backend-node";
import {
  ClipkitError,
  type EmbeddingSpace,
  type Embeddings,
  isClipkitError,
  type Metadata,
  type SearchHit,
  type SearchOptions,
  sameSpace,
} from "@clipkit/core";
import { connectPostgres, redactUrl } from "../util/postgres.js";
import type { IndexSource, SearchableIndex } from "./index-source.js";

/** Options of {@link PostgresIndexSource.open}. */
export interface PostgresSourceOptions {
  /** Rows table written by `clipkit index --to` (default `clipkit_images`). */
  table?: string;
  schema?: string;
  /** Connections, one search at a time each (default 2; match --max-concurrency). */
  connections?: number;
  /** Folder the stored paths are relative to, for `/file/:id` (the UI's thumbnails). */
  root?: string;
  /** How often the served item count is refreshed (ms, default 5000). */
  refreshMs?: number;
  log?: (line: string) => void;
}

/**
 * Serves a table written by `clipkit index … --to postgres://…`: searches go to Postgres (pgvector,
 * its HNSW index when there is one) over a few connections, so rows committed by running workers
 * are searchable at once — nothing to reload. The table must exist; its recorded embedding space
 * must be the served model's ({@link assertSpace}).
 */
export class PostgresIndexSource implements IndexSource, SearchableIndex {
  readonly path: string;
  readonly generation = 1;
  #lastError: string | undefined;
  #size = 0;
  #next = 0;
  #retrievers: PgVectorRetriever[] = [];
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    url: string,
    private readonly clients: PgConnection[],
    private readonly table: string,
    readonly space: EmbeddingSpace,
    private readonly options: PostgresSourceOptions,
  ) {
    this.path = `${redactUrl(url)} (table ${table})`;
  }

  /** Connects and checks the table was made by clipkit (its space is recorded); creates nothing. */
  static async open(url: string, options: PostgresSourceOptions = {}): Promise<PostgresIndexSource> {
    const table = options.table ?? "clipkit_images";
    quoteIdentifier(table, "--table");
    const spaces =
      options.schema === undefined
        ? `"clipkit_spaces"`
        : `${quoteIdentifier(options.schema, "--schema")}."clipkit_spaces"`;
    const key = options.schema === undefined ? table : `${options.schema}.${table}`;
    const clients: PgConnection[] = [];
    try {
      for (let i = 0; i < (options.connections ?? 2); i++) clients.push(await connectPostgres(url));
      const rows = await clients[0]!
        .query(`SELECT space FROM ${spaces} WHERE table_name = $1`, [key])
        .then((r) => r.rows as { space: EmbeddingSpace | string }[])
        .catch(() => []);
      const recorded = rows[0]?.space;
      if (recorded === undefined) {
        throw new ClipkitError(
          "NOT_FOUND",
          `${redactUrl(url)} has no clipkit index table ${key}; create it with clipkit index FOLDER --to URL --table ${table}`,
          { details: { argument: "--index", table: key } },
        );
      }
      const space = typeof recorded === "string" ? (JSON.parse(recorded) as EmbeddingSpace) : recorded;
      const source = new PostgresIndexSource(url, clients, key, space, options);
      for (const client of clients) {
        source.#retrievers.push(
          await PgVectorRetriever.open(client, space, {
            table,
            createExtension: false,
            ...(options.schema !== undefined ? { schema: options.schema } : {}),
          }),
        );
      }
      await source.#refresh();
      source.#timer = setInterval(() => void source.#refresh(), options.refreshMs ?? 5000);
      source.#timer.unref();
      return source;
    } catch (error) {
      for (const c of clients) await c.end?.().catch(() => {});
      throw error;
    }
  }

  async #refresh(): Promise<void> {
    try {
      this.#size = await this.#retrievers[0]!.size();
      this.#lastError = undefined;
    } catch (error) {
      this.#lastError = error instanceof Error ? error.message : String(error);
      this.options.log?.(`clipkit serve: counting rows of ${this.path} failed: ${this.#lastError}\n`);
    }
  }

  /** Throws `SPACE_MISMATCH` unless the table holds embeddings of `space` (the served model's). */
  assertSpace(space: EmbeddingSpace): void {
    if (!sameSpace(space, this.space))
      throw new ClipkitError("SPACE_MISMATCH", `${this.path} holds embeddings of another model`, {
        details: { table: this.table, recorded: this.space, requested: space },
      });
  }

  get current(): { kind: string; index: SearchableIndex } {
    return { kind: "pgvector", index: this };
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  size(): number {
    return this.#size;
  }

  /** Round-robin over the connections; each runs one statement at a time. */
  search(queries: Embeddings, options: SearchOptions): Promise<SearchHit<Metadata>[][]> {
    const retriever = this.#retrievers[this.#next++ % this.#retrievers.length]!;
    return retriever.search(queries, options);
  }

  /** The row's `path` under `root`; refused (undefined) without `root` or when it would leave it. */
  async filePath(id: string): Promise<string | undefined> {
    if (this.options.root === undefined) return undefined;
    const found = await this.clients[0]!.query(
      `SELECT metadata->>'path' AS path FROM ${this.#quotedTable()} WHERE id = $1`,
      [id],
    ).catch((error: unknown) => {
      if (isClipkitError(error)) throw error;
      throw new ClipkitError("DATABASE_FAILED", `looking up ${id} failed`, { cause: error });
    });
    const path = (found.rows[0] as { path?: unknown } | undefined)?.path;
    if (typeof path !== "string") return undefined;
    const root = resolve(this.options.root);
    const full = resolve(root, path);
    const inside = relative(root, full);
    return inside.startsWith("..") || isAbsolute(inside) ? undefined : full;
  }

  #quotedTable(): string {
    const t = quoteIdentifier(this.options.table ?? "clipkit_images", "--table");
    return this.options.schema === undefined ? t : `${quoteIdentifier(this.options.schema, "--schema")}.${t}`;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const c of this.clients) await c.end?.().catch(() => {});
  }
}
