export { createSession, type NodeBackendOptions, type NodeSessionOptions, nodeBackend } from "./create.js";
export { fromOrtTensor, toOrtTensor } from "./tensor.js";
