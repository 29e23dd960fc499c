/**
 * `startServer` options the serve tests share (a test helper, not exported by the package): the
 * CLI's default model (the bundled demo model), a free port on 127.0.0.1, two jobs at a time with
 * eight waiting, 60 s per job, 1 MiB request bodies, no log lines. A test spreads it and adds its
 * index and whatever it tests.
 */
import { openModel } from "../util/model.js";
import type { StartServerOptions } from "./server.js";

export const TEST_SERVER = {
  openModel: () => openModel({}),
  host: "127.0.0.1",
  port: 0,
  maxConcurrency: 2,
  maxQueue: 8,
  timeoutMs: 60_000,
  maxBodyBytes: 1024 * 1024,
  log: () => undefined,
} satisfies Omit<StartServerOptions, "indexPath">;
