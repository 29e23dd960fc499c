/**
 * @module
 * `@clipkit/backend-node`: clipkit on Node.js — onnxruntime-node sessions, sharp decoding,
 * model folders on disk, native ANN and database retrievers (the `clipkit` CLI is `@clipkit/cli`).
 */

export * from "./eval/index.js";
export * from "./files/index.js";
export * from "./hub/index.js";
export * from "./image/index.js";
export * from "./model/index.js";
export * from "./retrieval/index.js";
export * from "./session/index.js";
export * from "./vlm/index.js";
