import { type MatMulTopK, sessionMatMulTopK } from "@clipkit/core";
import { createSession, type NodeBackendOptions } from "./create.js";

/**
 * The "matmul top-k" capability on onnxruntime-node: a `Gemm` + `TopK` graph built in memory
 * (`matmulTopKGraph`) and run by MLAS, onnxruntime's CPU GEMM (about 5× the WebAssembly kernel
 * on one thread). `FlatIndex.searchAsync` uses it through `nodeBackend().matmulTopK()`; the
 * gallery is handed over without a copy (onnxruntime wraps the kernel's memory). `options` default
 * to one intra-op thread, so a benchmark compares like with like.
 *
 * @example
 * ```ts
 * const index = new FlatIndex(model.space, { backend: nodeBackend({ intraOpThreads: 2 }) });
 * const hits = await index.searchAsync(queries, { k: 10 });
 * ```
 */
export function nodeMatMulTopK(options: NodeBackendOptions = {}): MatMulTopK {
  return sessionMatMulTopK((model, o) => createSession(model, { ...options, ...o }), {
    intraOpThreads: 1,
    ...options,
  });
}
