/**
 * The steps of the few-shot benchmark as functions of a driver, shared by Node
 * (fewshot-backend.ts) and Chromium (fewshot-browser.ts): each step builds fresh training steps
 * per call, and {@link compareDrivers} times them with every driver, interleaved.
 */
import type { MatMul } from "@clipkit/core";
import { prepareData } from "../packages/core/src/adapt/data.js";
import { logisticObjectiveSteps } from "../packages/core/src/adapt/objective.js";
import { probeSteps } from "../packages/core/src/adapt/probe.js";
import { product, runSteps, runStepsAsync, type Steps } from "../packages/core/src/adapt/steps.js";
import { tipSteps } from "../packages/core/src/adapt/tip.js";
import { type WorkloadSize, workload } from "./fewshot-workload.js";

/** One driver: a name and how it runs a training loop's steps. */
export interface Driver {
  readonly name: string;
  run<T>(steps: Steps<T>): Promise<T>;
}

/** Per step, per driver: wall and CPU milliseconds. */
export type Comparison = Map<string, Map<string, { wall: number; cpu: number }>>;

export interface BackendOptions {
  /** Intra-op thread counts of the onnxruntime drivers (e.g. [1, 2]). */
  threads: readonly number[];
  /** Also time the leave-one-out search over all examples (no query cap: the old cost). */
  looAll: boolean;
}

/** The steps of the workload as functions of a driver (each builds fresh steps per call). */
export function benchSteps(size: WorkloadSize, options: BackendOptions) {
  const { data, zeroShot } = workload(size);
  const n = data.embeddings.count;
  const c = size.classes;
  const prepared = prepareData(data, zeroShot.labels, false);
  const theta = new Float64Array(c * size.dim + c).map((_, i) => Math.sin(i));
  const w = Float32Array.from(theta.subarray(0, c * size.dim));
  const grid = { alphaGrid: [1, 8, 32], betaGrid: [5.5, 12, 25] };
  const list: [string, (d: Driver) => Promise<unknown>][] = [
    ["tip (fixed α, β)", (d) => d.run(tipSteps(zeroShot, data, { alpha: 1, beta: 5.5 }, false))],
  ];
  if (size.tipSearch) {
    list.push(
      [
        "tip (LOO search, 3 × 3 grid, default looQueries)",
        (d) => d.run(tipSteps(zeroShot, data, grid, false)),
      ],
      ["tip (default: LOO search, 11 × 10 grid)", (d) => d.run(tipSteps(zeroShot, data, {}, false))],
    );
    if (options.looAll) {
      list.push([
        "tip (LOO search, 3 × 3 grid, all queries)",
        (d) => d.run(tipSteps(zeroShot, data, { ...grid, looQueries: Number.POSITIVE_INFINITY }, false)),
      ]);
    }
  }
  if (size.tipOnly) return list;
  list.push(
    [
      `probe (fixed λ, ${size.probeIterations} L-BFGS iterations)`,
      (d) => d.run(probeSteps(data, { lambda: 1e-4, maxIterations: size.probeIterations }, undefined)),
    ],
    [
      "probe: one loss + gradient evaluation",
      (d) => {
        const f = logisticObjectiveSteps(prepared, { kind: "softmax", lambda: 1e-4 });
        return d.run(f(theta, new Float64Array(theta.length)));
      },
    ],
    [
      "one X·Wᵀ product (n × classes × dim)",
      (d) => d.run(product(prepared.x, w, n, c, size.dim, new Float32Array(n * c))),
    ],
  );
  if (size.tipEpochs > 0) {
    list.push([
      `tip-f (${size.tipEpochs} epoch${size.tipEpochs > 1 ? "s" : ""}, no search)`,
      (d) => d.run(tipSteps(zeroShot, data, { alpha: 1, beta: 5.5, epochs: size.tipEpochs }, true)),
    ]);
  }
  return list;
}

/** The wasm kernel driver, then one driver per backend GEMM (named `names[i]`). */
export function drivers(gemms: readonly MatMul[], names: readonly string[]): Driver[] {
  return [
    { name: "wasm kernel", run: async (s) => runSteps(s) },
    ...gemms.map((g, i) => ({ name: names[i]!, run: <T>(s: Steps<T>) => runStepsAsync(s, g) })),
  ];
}

/**
 * Runs every step with every driver, the drivers interleaved per step, after an untimed warm-up at
 * a small size (JIT, session creation). CPU time where the platform reports it (Node), else 0.
 */
export async function compareDrivers(
  size: WorkloadSize,
  options: BackendOptions,
  list: readonly Driver[],
): Promise<Comparison> {
  const cpu = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process
    ?.cpuUsage;
  const small: WorkloadSize = { ...size, classes: 20, shots: 4, probeIterations: 2, tipEpochs: 1 };
  for (const [, step] of benchSteps(small, options)) for (const d of list) await step(d);
  const out: Comparison = new Map();
  for (const [name, step] of benchSteps(size, options)) {
    const row = new Map<string, { wall: number; cpu: number }>();
    for (const d of list) {
      const c0 = cpu?.();
      const t0 = performance.now();
      await step(d);
      const wall = performance.now() - t0;
      const c1 = cpu?.();
      row.set(d.name, { wall, cpu: c0 && c1 ? (c1.user + c1.system - c0.user - c0.system) / 1000 : 0 });
    }
    out.set(name, row);
  }
  return out;
}
