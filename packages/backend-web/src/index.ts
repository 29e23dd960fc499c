/**
 * @module
 * `@clipkit/backend-web`: clipkit in the browser — onnxruntime-web sessions (wasm, WebGPU),
 * browser image decoding, and model files from URLs (with the Cache API) or user-picked files.
 */

export {
  type BlobFilesOptions,
  blobFiles,
  type CacheStorageLike,
  type UrlFilesOptions,
  urlFiles,
} from "./files.js";
export { decodeWebImage, type WebDecodeOptions, type WebImageInput } from "./image.js";
export {
  type WasmPaths,
  type WebBackend,
  type WebBackendOptions,
  type WebExecutionProvider,
  type WebGpuLike,
  type WebInferenceSession,
  webBackend,
} from "./session.js";
