import type { AddressInfo } from "node:net";
import type { ImageInput } from "@clipkit/backend-node";
import { type AdaptedHead, ClipkitError, type LoadedClipModel, type ZeroShotHead } from "@clipkit/core";
import { type ServerType, serve } from "@hono/node-server";
import { decodeAnyHead, type HeadFileBytes, readAnyHeadFile } from "../util/head-file.js";
import { isPostgresUrl } from "../util/postgres.js";
import { createServeApp } from "./app.js";
import { IndexHolder } from "./index-holder.js";
import type { IndexSource } from "./index-source.js";
import { Limiter, type LimiterOptions } from "./limiter.js";
import { PostgresIndexSource, type PostgresSourceOptions } from "./postgres-source.js";
import type { ServedVlm } from "./vlm.js";

/** Options of {@link startServer}. */
export interface StartServerOptions extends LimiterOptions {
  /** An index file, or a `postgres://` URL of a table written by `clipkit index --to`. */
  indexPath: string;
  /** Table, schema and file root when `indexPath` is a Postgres URL. */
  postgres?: Pick<PostgresSourceOptions, "table" | "schema" | "root">;
  /** Opens the model (called once; released on close). */
  openModel: () => Promise<LoadedClipModel<ImageInput>>;
  headPath?: string;
  /** A captioning/VQA model for `/caption` and `/ask` (released on close). */
  vlm?: ServedVlm;
  host: string;
  /** 0 picks a free port. */
  port: number;
  token?: string;
  maxBodyBytes: number;
  /** Hot reload on atomic replacement of the index file (default true). */
  watch?: boolean;
  log: (line: string) => void;
  onReload?: (generation: number) => void;
}

/** A running server. */
export interface RunningServer {
  readonly url: string;
  readonly holder: IndexSource;
  /** Stops accepting, lets in-flight requests finish, releases the model. Idempotent. */
  close(): Promise<void>;
}

/**
 * Names the address and the flag when the socket cannot be bound (Node's own message names
 * neither the flag nor what to do).
 */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const at = `${host}:${port}`;
  const why: Record<string, [string, string]> = {
    EADDRINUSE: [`port ${port} on ${host} is in use by another process`, "--port"],
    EACCES: [`no permission to listen on ${at} (ports below 1024 need privileges)`, "--port"],
    EADDRNOTAVAIL: [`${host} is not an address of this machine`, "--host"],
    ENOTFOUND: [`${host} does not resolve to an address`, "--host"],
  };
  const known = code ? why[code] : undefined;
  if (!known) return error;
  const [message, flag] = known;
  return new ClipkitError(
    "INVALID_ARGUMENT",
    `${message}; choose another ${flag}${flag === "--port" ? " (0 picks a free one)" : ""}`,
    {
      cause: error,
      details: { argument: flag, host, port },
    },
  );
}

/**
 * Loads the index and the model and listens. Used by `clipkit serve` and by tests (port 0). The
 * index is loaded first: a bad index path fails before the (slower) model load.
 */
export async function startServer(o: StartServerOptions): Promise<RunningServer> {
  const pg = isPostgresUrl(o.indexPath)
    ? await PostgresIndexSource.open(o.indexPath, {
        ...o.postgres,
        connections: o.maxConcurrency,
        log: o.log,
      })
    : undefined;
  const holder: IndexSource =
    pg ??
    (await IndexHolder.open(o.indexPath, {
      watch: o.watch ?? true,
      log: o.log,
      ...(o.onReload ? { onReload: o.onReload } : {}),
    }));
  let model: LoadedClipModel<ImageInput>;
  let headFile: HeadFileBytes | undefined;
  try {
    // Read before the model opens: a wrong --head path fails at once, not after the load.
    if (o.headPath) headFile = await readAnyHeadFile(o.headPath);
    model = await o.openModel();
    holder.assertSpace(model.space);
  } catch (error) {
    await holder.close();
    throw error;
  }
  let head: ZeroShotHead | AdaptedHead | undefined;
  try {
    if (headFile) head = decodeAnyHead(headFile, model.space);
  } catch (error) {
    await holder.close();
    await model.release();
    throw error;
  }
  const limiter = new Limiter(o);
  const { app } = createServeApp({
    model,
    holder,
    limiter,
    maxBodyBytes: o.maxBodyBytes,
    log: o.log,
    ...(head ? { head } : {}),
    ...(o.vlm ? { vlm: o.vlm } : {}),
    ...(o.token ? { token: o.token } : {}),
  });
  let server: ServerType;
  try {
    server = await new Promise((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: o.host, port: o.port }, () => resolve(s));
      s.once("error", reject);
    });
  } catch (error) {
    await limiter.close();
    await holder.close();
    await model.release();
    throw listenError(error, o.host, o.port);
  }
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    holder,
    close() {
      closing ??= (async () => {
        // Stop accepting; idle keep-alive sockets are closed so close() can finish.
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        if ("closeIdleConnections" in server) server.closeIdleConnections();
        await limiter.close();
        await stopped;
        // After the requests in flight: a Postgres source's connections serve them to the end.
        await holder.close();
        await model.release();
        await o.vlm?.release();
      })();
      return closing;
    },
  };
}
