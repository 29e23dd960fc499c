/**
 * The Node half of fewshot.bench.ts: every few-shot step run by both drivers of the same training
 * code (packages/core/src/adapt/steps.ts), side by side in one process and interleaved — the
 * synchronous one on clipkit's WebAssembly SIMD kernel (`trainHead`), the asynchronous one on
 * onnxruntime-node's GEMM (`trainHeadAsync` with `nodeBackend().matmul()`, MLAS) at each intra-op
 * thread count asked for. Each step reports wall and CPU time (process.cpuUsage counts
 * onnxruntime's own threads too).
 */
import { nodeMatMul } from "@clipkit/backend-node";
import type { MatMul } from "@clipkit/core";
import { type BackendOptions, type Comparison, compareDrivers, drivers } from "./fewshot-steps.js";
import type { WorkloadSize } from "./fewshot-workload.js";

export type { BackendOptions, Comparison } from "./fewshot-steps.js";

/** {@link compareDrivers} with the wasm kernel and onnxruntime-node at each thread count. */
export async function runBackendComparison(size: WorkloadSize, options: BackendOptions): Promise<Comparison> {
  const gemms: MatMul[] = options.threads.map((t) => nodeMatMul({ intraOpThreads: t }));
  try {
    const names = options.threads.map((t) => `onnxruntime ${t}t`);
    return await compareDrivers(size, options, drivers(gemms, names));
  } finally {
    for (const g of gemms) await g.release();
  }
}
