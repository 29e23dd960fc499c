import { ClipkitError, wrapError } from "@clipkit/core";

/**
 * The one method clipkit needs from a Postgres driver. Satisfied as-is by `pg.Client`, a checked-out
 * `pg.PoolClient`, and PGlite. Pass a single connection (not a `pg.Pool`): adds run inside
 * `BEGIN … COMMIT`, which needs every statement on the same session.
 */
export interface SqlClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * One queue per connection object. A transaction (`BEGIN … COMMIT`) spans several statements on one
 * session, so two concurrent `add` calls on one client would otherwise interleave into one
 * transaction: the second's failure rolled back the first's acknowledged rows. Keyed weakly by
 * the client, so it holds no state beyond the client's own life.
 */
const queues = new WeakMap<SqlClient, Promise<unknown>>();

/**
 * Runs `task` once every earlier task on the same client has settled, so statements of different
 * calls never interleave on one session. A failed task does not block the ones after it.
 */
export function serialized<T>(client: SqlClient, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(client) ?? Promise.resolve();
  const next = previous.then(task, task);
  queues.set(
    client,
    next.catch(() => undefined),
  );
  return next;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Validates a table/column/schema name and returns it double-quoted. Names cannot be query
 * parameters in SQL, so anything outside `[A-Za-z_][A-Za-z0-9_]*` (≤ 63 chars) is refused rather
 * than escaped: no user text is ever spliced into SQL.
 */
export function quoteIdentifier(name: string, argument: string): string {
  if (typeof name !== "string" || !IDENTIFIER.test(name)) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `${argument} must match [A-Za-z_][A-Za-z0-9_]* (≤ 63 characters), got ${JSON.stringify(name)}`,
      { details: { argument, value: name } },
    );
  }
  return `"${name}"`;
}

/** Checks an integer option that is spliced into DDL (index parameters cannot be bound). */
export function checkInt(value: number, argument: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `${argument} must be an integer in [${min}, ${max}], got ${value}`,
      {
        details: { argument, value },
      },
    );
  }
  return value;
}

/** Runs one statement, wrapping driver errors as `DATABASE_FAILED` with the SQL attached. */
export async function run<R>(client: SqlClient, sql: string, params: unknown[] = []): Promise<R[]> {
  try {
    return (await client.query(sql, params)).rows as R[];
  } catch (error) {
    throw wrapError(error, "DATABASE_FAILED", "pgvector query failed", { sql });
  }
}

/** pgvector's text form of a row: `[x,y,…]`. JS prints the shortest string that round-trips a float32. */
export function vectorLiteral(data: Float32Array, from: number, dim: number): string {
  let s = "[";
  for (let j = 0; j < dim; j++) s += (j ? "," : "") + data[from + j]!;
  return `${s}]`;
}

/**
 * Runs `task` in `BEGIN … COMMIT` on `client` (serialized with the client's other calls; rolled
 * back when it throws). The job queue runs even single parameterised statements this way: besides
 * atomicity, it keeps a statement's Parse/Bind/Execute messages together on connection
 * multiplexers such as pglite-socket, which keep a transaction on one connection but may interleave
 * the messages of bare statements from different connections (one shared unnamed statement).
 */
export function transaction<T>(client: SqlClient, task: () => Promise<T>): Promise<T> {
  return serialized(client, async () => {
    await run(client, "BEGIN");
    try {
      const out = await task();
      await run(client, "COMMIT");
      return out;
    } catch (error) {
      await run(client, "ROLLBACK").catch(() => {});
      throw error;
    }
  });
}
