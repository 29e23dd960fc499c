/**
 * @module
 * `@clipkit/backend-web`: clipkit in the browser — onnxruntime-web sessions (wasm, WebGPU),
 * browser image decoding, model files from URLs (with the Cache API) or user-picked files, and
 * `loadClipModel` with the same shape as `@clipkit/backend-node`'s.
 */

export * from "./files/index.js";
export * from "./hub/index.js";
export * from "./image/index.js";
export * from "./model/index.js";
export * from "./session/index.js";
export * from "./store/index.js";
