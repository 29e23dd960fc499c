export { createSession, type NodeBackendOptions, type NodeSessionOptions, nodeBackend } from "./create.js";
export { nodeMatMulTopK } from "./matmul-topk.js";
export { fromOrtTensor, toOrtTensor } from "./tensor.js";
