/**
 * Browser entry of fewshot.bench.ts: runs the workload sized by the page's query string — the
 * sync steps on the WebAssembly kernel (`runWorkload`), or with `web=1` every step with both
 * drivers, the kernel and `trainHeadAsync`'s onnxruntime-web GEMM (wasm, one thread, runtime files
 * under /ort/), interleaved.
 */
import { webBackend } from "../packages/backend-web/src/index.js";
import { compareDrivers, drivers } from "./fewshot-steps.js";
import { runWorkload, type WorkloadSize } from "./fewshot-workload.js";

const q = new URLSearchParams(location.search);
const size: WorkloadSize = {
  classes: Number(q.get("classes")),
  shots: Number(q.get("shots")),
  dim: Number(q.get("dim")),
  probeIterations: Number(q.get("probeIterations")),
  tipEpochs: Number(q.get("tipEpochs")),
  tipSearch: q.get("tipSearch") === "1",
  tipOnly: q.get("tipOnly") === "1",
};
const out = globalThis as { clipkitBench?: unknown; clipkitBenchError?: string };
setTimeout(async () => {
  try {
    if (q.get("web") !== "1") {
      out.clipkitBench = runWorkload(size);
      return;
    }
    const gemm = webBackend({ executionProviders: ["wasm"], wasmPaths: "/ort/", numThreads: 1 }).matmul!();
    const result = await compareDrivers(
      size,
      { threads: [1], looAll: false },
      drivers([gemm], ["onnxruntime-web"]),
    );
    await gemm.release();
    // Maps do not survive page.evaluate: plain objects of { wall } per step and driver.
    out.clipkitBench = Object.fromEntries(
      [...result].map(([step, row]) => [step, Object.fromEntries([...row].map(([d, t]) => [d, t.wall]))]),
    );
  } catch (error) {
    out.clipkitBenchError = String(error);
  }
}, 0);
