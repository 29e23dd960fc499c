export { type MatMul, matmulGraph, sessionMatMul } from "./matmul.js";
export {
  type MatMulTopK,
  type MatMulTopKOutput,
  matmulTopKGraph,
  matmulTopKInt8Graph,
  sessionMatMulTopK,
} from "./matmul-topk.js";
export type {
  Backend,
  InferenceSession,
  ModelFiles,
  SessionOptions,
  Tensor,
  TensorDataMap,
  TensorType,
  ValueInfo,
} from "./session.js";
export { elementCount, expectTensor, float16ToFloat32, tensor, toFloat32 } from "./tensor.js";
