import { availableParallelism } from "node:os";
import { type MatMulTopK, sessionMatMulTopK } from "@clipkit/core";
import { createSession, type NodeBackendOptions } from "./create.js";

/**
 * Intra-op threads of the GEMM when the caller names none: two where the machine has two cores
 * (issue #18: on a 2-core machine the second thread gave 1.2–2× the single-thread throughput,
 * batched and for one query, even with other jobs running), never more than the machine has.
 * Benchmarks that compare one thread with one thread pass `intraOpThreads: 1`.
 */
export const DEFAULT_MATMUL_TOPK_THREADS = Math.max(1, Math.min(2, availableParallelism()));

/**
 * The "matmul top-k" capability on onnxruntime-node: a `Gemm` + `TopK` graph built in memory
 * (`matmulTopKGraph`) and run by MLAS, onnxruntime's CPU GEMM (about 4–5× the WebAssembly kernel
 * batched, on one thread). `FlatIndex.searchAsync` uses it through `nodeBackend().matmulTopK()`;
 * the gallery is handed over without a copy (onnxruntime wraps the kernel's memory), as a per-run
 * input (an initializer would let onnxruntime pre-pack it, but each change of the index would then
 * rebuild a session: ~2 s CPU and a second copy of the gallery at 100k × 512). `options` default
 * to {@link DEFAULT_MATMUL_TOPK_THREADS} intra-op threads and onnxruntime's spinning workers;
 * `allowSpinning: false` frees the second core right after each run (a wasm scan or a single query
 * that followed ran 1.2–1.5× faster, a 64-query batch ~8 % slower, at load ~12 —
 * docs/performance.md).
 *
 * @example
 * ```ts
 * const index = new FlatIndex(model.space, { backend: nodeBackend({ intraOpThreads: 1 }) });
 * const hits = await index.searchAsync(queries, { k: 10 });
 * ```
 */
export function nodeMatMulTopK(options: NodeBackendOptions = {}): MatMulTopK {
  return sessionMatMulTopK((model, o) => createSession(model, { ...options, ...o }), {
    ...options,
    intraOpThreads: options.intraOpThreads ?? DEFAULT_MATMUL_TOPK_THREADS,
  });
}
