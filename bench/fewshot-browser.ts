/** Browser entry of fewshot.bench.ts: runs the workload sized by the page's query string. */
import { runWorkload, type WorkloadSize } from "./fewshot-workload.js";

const q = new URLSearchParams(location.search);
const size: WorkloadSize = {
  classes: Number(q.get("classes")),
  shots: Number(q.get("shots")),
  dim: Number(q.get("dim")),
  probeIterations: Number(q.get("probeIterations")),
  tipEpochs: Number(q.get("tipEpochs")),
  tipSearch: q.get("tipSearch") === "1",
};
setTimeout(() => {
  (globalThis as { clipkitBench?: unknown }).clipkitBench = runWorkload(size);
}, 0);
