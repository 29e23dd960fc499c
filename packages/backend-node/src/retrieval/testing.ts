/**
 * A Postgres server for tests (a test helper, not exported by the package): PGlite with pgvector
 * behind pglite-socket on a free port of 127.0.0.1, so `pg` clients and `postgres://` URLs reach it
 * over the wire as they would a real server. Shared by the pgvector retriever tests and the CLI's
 * `clipkit index --to postgres://…` tests.
 */
import { createServer } from "node:net";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** A running {@link servePglite}. */
export interface PgliteServer {
  readonly db: PGlite;
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  /** Stops the socket server, then closes the database. */
  close(): Promise<void>;
}

/** A port free on 127.0.0.1 now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/**
 * Starts PGlite with pgvector on 127.0.0.1. PGlite is one session: pglite-socket multiplexes
 * connections onto it (one transaction at a time), up to `maxConnections`.
 */
export async function servePglite(options: { maxConnections?: number } = {}): Promise<PgliteServer> {
  const db = await PGlite.create({ extensions: { vector } });
  const port = await freePort();
  const server = new PGLiteSocketServer({
    db,
    port,
    host: "127.0.0.1",
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
  await server.start();
  return {
    db,
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}
