/**
 * @module
 * `@clipkit/cli`: the `clipkit` command-line tool, a client of the public APIs of
 * `@clipkit/core`, `@clipkit/backend-node`, `@clipkit/prompts` and `@clipkit/model-emoji`.
 * `runCli(argv)` runs it in-process (the `clipkit` bin is `runCli(process.argv.slice(2))`).
 */

export type { Command, CommandContext } from "./command.js";
export { commands } from "./commands/index.js";
export { main as runCli } from "./main.js";
export { createServeApp, type ServeAppOptions } from "./serve/app.js";
export { IndexHolder, type IndexHolderOptions } from "./serve/index-holder.js";
export { LimitError, Limiter, type LimiterOptions } from "./serve/limiter.js";
export { type RunningServer, type StartServerOptions, startServer } from "./serve/server.js";
