export {
  createSession,
  DEFAULT_CPU_MEM_ARENA,
  DEFAULT_MEM_PATTERN,
  type NodeBackendOptions,
  type NodeSessionOptions,
  nodeBackend,
} from "./create.js";
export { nodeMatMul } from "./matmul.js";
export { nodeMatMulTopK } from "./matmul-topk.js";
export { fromOrtTensor, toOrtTensor } from "./tensor.js";
