import type { PgConnection } from "@clipkit/backend-node";
import { wrapError } from "@clipkit/core";
import pg from "pg";
import { usageError } from "./args.js";

/** True for a `postgres://` or `postgresql://` URL (what `--to` and `serve --index` accept). */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

/** Checks a `--to`/`--index` value is a Postgres URL the driver can parse. */
export function checkPostgresUrl(url: string, flag: string): string {
  if (!isPostgresUrl(url))
    throw usageError(`${flag} must be a postgres:// URL, got ${JSON.stringify(url)}`, flag);
  try {
    new URL(url);
  } catch {
    throw usageError(`${flag}: not a valid URL: ${redactUrl(url)}`, flag);
  }
  return url;
}

/**
 * Opens one `pg` connection (standard libpq URL: user, password, host, port, database,
 * `?sslmode=…`; `PGPASSWORD` etc. fill the gaps). A refused or timed-out connection is
 * `DATABASE_FAILED` naming the URL without its password.
 */
export async function connectPostgres(url: string): Promise<PgConnection> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
  // A dropped connection emits 'error' on the client; without a listener Node would crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw wrapError(error, "DATABASE_FAILED", `cannot connect to ${redactUrl(url)}`, { url: redactUrl(url) });
  }
  return client;
}
