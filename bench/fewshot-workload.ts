/**
 * The few-shot training workload timed by fewshot.bench.ts, shared by Node and the Chromium page:
 * synthetic clustered embeddings (`classes × shots` unit vectors of width `dim`) and the steps of
 * each adapter, each timed with performance.now().
 */
import {
  buildTipAdapter,
  createEmbeddings,
  type LabelledEmbeddings,
  seededRandom,
  trainLinearProbe,
  trainTipAdapterF,
  ZeroShotHead,
} from "@clipkit/core";
import { prepareData } from "../packages/core/src/adapt/data.js";
import { matmulABt } from "../packages/core/src/adapt/gemm.js";
import { logisticObjective } from "../packages/core/src/adapt/objective.js";

export interface WorkloadSize {
  classes: number;
  shots: number;
  dim: number;
  /** L-BFGS iterations of the timed probe fit. */
  probeIterations: number;
  /** Tip-Adapter-F epochs timed (0 skips it). */
  tipEpochs: number;
  /** Run the Tip-Adapter leave-one-out (α, β) searches (3 × 3 grid, and the default grids). */
  tipSearch: boolean;
  /** Only the Tip-Adapter rows (no probe, no single product, no Tip-Adapter-F). */
  tipOnly?: boolean;
}

export type Timings = Record<string, number>;

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
}

/** Clustered unit vectors and a noisy zero-shot head over the same centres. */
export function workload(size: WorkloadSize): { data: LabelledEmbeddings; zeroShot: ZeroShotHead } {
  const { classes, shots, dim } = size;
  const random = seededRandom(1);
  const space = { id: "bench/synthetic", dim, normalized: true };
  const unit = (v: Float32Array) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const centres = Array.from({ length: classes }, () =>
    unit(Float32Array.from({ length: dim }, () => gaussian(random))),
  );
  const data = new Float32Array(classes * shots * dim);
  const labels: string[] = [];
  const weights = new Float32Array(classes * dim);
  centres.forEach((c, k) => {
    weights.set(unit(c.map((x) => x + 0.05 * gaussian(random))), k * dim);
    for (let s = 0; s < shots; s++) {
      data.set(unit(c.map((x) => x + 0.05 * gaussian(random))), labels.length * dim);
      labels.push(`class ${k}`);
    }
  });
  const zeroShot = new ZeroShotHead({
    labels: centres.map((_, k) => `class ${k}`),
    weights,
    space,
    scoring: { kind: "softmax", logitScale: 100 },
    promptsHash: "bench",
  });
  return { data: { embeddings: createEmbeddings(data, labels.length, space), labels }, zeroShot };
}

/** Times every step after a small untimed warm-up run (JIT); returns milliseconds per step name. */
export function runWorkload(size: WorkloadSize, warmUp = true): Timings {
  if (warmUp)
    runWorkload(
      { classes: 20, shots: 4, dim: size.dim, probeIterations: 3, tipEpochs: 1, tipSearch: true },
      false,
    );
  const { data, zeroShot } = workload(size);
  const t: Timings = {};
  // Node also reports CPU time: on a shared machine wall-clock time overstates the cost.
  const cpu = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process
    ?.cpuUsage;
  const time = <T>(name: string, fn: () => T): T => {
    const c0 = cpu?.();
    const t0 = performance.now();
    const out = fn();
    t[name] = performance.now() - t0;
    const c1 = cpu?.();
    if (c0 && c1) t[`${name} [cpu]`] = (c1.user + c1.system - c0.user - c0.system) / 1000;
    return out;
  };
  time("tip (fixed α, β)", () => buildTipAdapter(zeroShot, data, { alpha: 1, beta: 5.5 }));
  if (size.tipSearch) {
    time("tip (LOO search, 3 × 3 grid)", () =>
      buildTipAdapter(zeroShot, data, { alphaGrid: [1, 8, 32], betaGrid: [5.5, 12, 25] }),
    );
    time("tip (default: LOO search, 11 × 10 grid)", () => buildTipAdapter(zeroShot, data));
  }
  if (size.tipOnly) {
    t.examples = data.embeddings.count;
    return t;
  }
  time(`probe (fixed λ, ${size.probeIterations} L-BFGS iterations)`, () =>
    trainLinearProbe(data, { lambda: 1e-4, maxIterations: size.probeIterations }),
  );
  // One objective + gradient evaluation against one X·Wᵀ product: the probe's physical limit.
  const n = data.embeddings.count;
  const c = size.classes;
  const prepared = prepareData(data, zeroShot.labels, false);
  const f = logisticObjective(prepared, { kind: "softmax", lambda: 1e-4 });
  const theta = new Float64Array(c * size.dim + c).map((_, i) => Math.sin(i));
  time("probe: one loss + gradient evaluation", () => f(theta, new Float64Array(theta.length)));
  const w = Float32Array.from(theta.subarray(0, c * size.dim));
  time("one X·Wᵀ product (n × classes × dim)", () =>
    matmulABt(prepared.x, w, n, c, size.dim, new Float32Array(n * c)),
  );
  if (size.tipEpochs > 0) {
    time(`tip-f (${size.tipEpochs} epoch${size.tipEpochs > 1 ? "s" : ""}, no search)`, () =>
      trainTipAdapterF(zeroShot, data, { alpha: 1, beta: 5.5, epochs: size.tipEpochs }),
    );
  }
  t.examples = n;
  return t;
}
