import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { HubOptions } from "../options.js";
import { type FakeRepo, type HubServer, startHubServer } from "./hub-server.js";

/** One local hub server per test file and the temporary caches its tests made. */
export interface HubTestBed {
  /** The running server (from `beforeAll` on). */
  readonly server: HubServer;
  /** A new empty cache folder, removed after the file's tests. */
  freshCache(): Promise<string>;
  /** Options pointing at the local server, isolated from the user's environment (no token). */
  hub(cacheDir: string, extra?: HubOptions): HubOptions;
}

/**
 * Registers `beforeAll` / `afterAll` hooks that start a {@link startHubServer} over `repos` and
 * clean up every cache made by `freshCache`. `repos` may build folders first (it gets
 * `freshCache` for them).
 */
export function useHubServer(
  repos: (
    freshCache: () => Promise<string>,
  ) => Readonly<Record<string, FakeRepo>> | Promise<Readonly<Record<string, FakeRepo>>>,
  prefix = "clipkit-hub-",
): HubTestBed {
  let server: HubServer | undefined;
  const caches: string[] = [];
  const freshCache = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    caches.push(dir);
    return dir;
  };
  beforeAll(async () => {
    server = await startHubServer(await repos(freshCache));
  });
  afterAll(async () => {
    await server?.close();
    for (const c of caches) await rm(c, { recursive: true, force: true });
  });
  const running = (): HubServer => {
    if (!server) throw new Error("useHubServer: the server starts in beforeAll");
    return server;
  };
  return {
    get server() {
      return running();
    },
    freshCache,
    hub: (cacheDir, extra = {}) => ({
      cacheDir,
      endpoint: running().url,
      offline: false,
      token: "",
      ...extra,
    }),
  };
}
