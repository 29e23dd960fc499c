/**
 * The Node half of fewshot.bench.ts: every few-shot step run by both drivers of the same training
 * code (packages/core/src/adapt/steps.ts), side by side in one process and interleaved — the
 * synchronous one on clipkit's WebAssembly SIMD kernel (`trainHead`), the asynchronous one on
 * onnxruntime-node's GEMM (`trainHeadAsync` with `nodeBackend().matmul()`, MLAS) at each intra-op
 * thread count asked for. Each step reports wall and CPU time (process.cpuUsage counts
 * onnxruntime's own threads too).
 */
import { nodeMatMul } from "@clipkit/backend-node";
import { type MatMul, trainHeadAsync } from "@clipkit/core";
import { type BackendOptions, type Comparison, compareDrivers, drivers } from "./fewshot-steps.js";
import { type WorkloadSize, workload } from "./fewshot-workload.js";

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

/** One default `probe` or `zs-probe` fit (cross-validated search, then the refit) on onnxruntime-node. */
export async function timeFullProbe(size: WorkloadSize, threads: number, method: "probe" | "zs-probe") {
  const { data, zeroShot } = workload(size);
  const inner = nodeMatMul({ intraOpThreads: threads });
  let products = 0;
  let gemm = 0;
  // Counts the products and the wall time awaited on them (the rest is the JavaScript around them).
  const matmul: MatMul = {
    async abt(a, b, m, n, k, out) {
      const t0 = performance.now();
      const r = await inner.abt(a, b, m, n, k, out);
      gemm += performance.now() - t0;
      products++;
      return r;
    },
    release: () => inner.release(),
  };
  try {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const head = await trainHeadAsync(method, data, { matmul, zeroShot });
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const { hyper, heldOut } = head.adapter;
    return { wall, cpu: (c.user + c.system) / 1000, products, gemm, hyper, heldOut };
  } finally {
    await inner.release();
  }
}
