export {
  type WasmPaths,
  type WebBackend,
  type WebBackendOptions,
  type WebExecutionProvider,
  type WebGpuLike,
  type WebInferenceSession,
  webBackend,
} from "./create.js";
export { fromOrtTensor, type OrtTensorModule, toOrtTensor } from "./tensor.js";
