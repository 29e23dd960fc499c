import { type MatMul, sessionMatMul } from "@clipkit/core";
import { createSession, type NodeBackendOptions } from "./create.js";

/**
 * The "matmul" capability on onnxruntime-node: a `Gemm (transB = 1)` graph built in memory
 * (`matmulGraph`) and run by MLAS, onnxruntime's CPU GEMM. `trainHeadAsync` awaits it for every
 * large product of the few-shot trainers through `nodeBackend().matmul()`. `options` default to
 * one intra-op thread, like {@link nodeMatMulTopK}, so a benchmark compares like with like.
 *
 * @example
 * ```ts
 * const head = await trainHeadAsync("probe", data, { backend: nodeBackend({ intraOpThreads: 2 }) });
 * ```
 */
export function nodeMatMul(options: NodeBackendOptions = {}): MatMul {
  return sessionMatMul((model, o) => createSession(model, { ...options, ...o }), {
    intraOpThreads: 1,
    ...options,
  });
}
