/**
 * @module
 * `@clipkit/backend-node`: clipkit on Node.js — onnxruntime-node sessions, sharp decoding,
 * model folders on disk, native ANN and database retrievers, and the `clipkit` CLI.
 */

export type { Command, CommandContext } from "./cli/command.js";
export { main as runCli } from "./cli/main.js";
export { loadHeadFile, readHeadFileInfo, saveHeadFile } from "./cli/util/head-file.js";
export * from "./eval/index.js";
export * from "./files/index.js";
export * from "./image/index.js";
export * from "./model/index.js";
export * from "./retrieval/index.js";
export * from "./session/index.js";
export * from "./vlm/index.js";
