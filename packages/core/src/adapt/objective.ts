import type { PreparedData } from "./data.js";
import { pad4, transpose, transposeInto } from "./gemm.js";
import type { Objective, StepObjective } from "./lbfgs.js";
import { product, runSteps, type Steps } from "./steps.js";

/**
 * Regularised logistic-regression objectives over normalised embeddings. Parameters are one flat
 * vector: the `classes × dim` weight matrix row-major, then `classes` biases.
 *
 * - softmax (multinomial): f = Σᵢ wᵢ · CE(softmax(W xᵢ + b), yᵢ) + λ/2 ‖W − W₀‖²
 * - sigmoid (one-vs-rest): f = Σᵢ Σ_c w_ic · BCE(σ(W_c xᵢ + b_c), y_ic) + λ/2 ‖W − W₀‖²
 *
 * with Σ wᵢ = 1 (plain: 1/n each; class-balanced: every class gets the same total weight). W₀ is
 * zero for a plain probe and the zero-shot weights for a zero-shot-initialised one; biases are not
 * regularised (as in scikit-learn and CLIP's probes).
 */
export interface ObjectiveOptions {
  readonly kind: "softmax" | "sigmoid";
  /** L2 strength λ. */
  readonly lambda: number;
  /** W₀ (`classes × dim`); zero when absent. */
  readonly prior?: Float64Array;
  readonly classBalanced?: boolean;
  /** Float64 arithmetic throughout (slow; for gradient checks). Default: float32 products. */
  readonly precise?: boolean;
}

/** Per-row (softmax) or per-row-and-class (sigmoid) loss weights summing to 1 (per class for sigmoid). */
function lossWeights(data: PreparedData, kind: "softmax" | "sigmoid", balanced: boolean): Float64Array {
  const { n, counts } = data;
  const c = data.classes.length;
  if (kind === "softmax") {
    const w = new Float64Array(n);
    let present = 0;
    for (const v of counts) if (v > 0) present++;
    for (let i = 0; i < n; i++) w[i] = balanced ? 1 / (present * counts[data.y[i]!]!) : 1 / n;
    return w;
  }
  // Sigmoid: one binary problem per class; balanced gives positives and negatives half the mass each.
  const w = new Float64Array(n * c);
  for (let k = 0; k < c; k++) {
    const pos = counts[k]!;
    const neg = n - pos;
    for (let i = 0; i < n; i++) {
      const t = data.targets![i * c + k]!;
      w[i * c + k] = !balanced ? 1 / n : t ? (neg > 0 ? 0.5 : 1) / pos : (pos > 0 ? 0.5 : 1) / neg;
    }
  }
  return w;
}

function log1pExp(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Builds f and ∇f for {@link minimizeLbfgs}; see {@link ObjectiveOptions}. */
export function logisticObjective(data: PreparedData, options: ObjectiveOptions): Objective {
  const steps = logisticObjectiveSteps(data, options);
  return (theta, gradient) => runSteps(steps(theta, gradient));
}

/** {@link logisticObjective} as steps: its two products (X·Wᵀ and Gᵀ·X) are yielded (see `steps.ts`). */
export function logisticObjectiveSteps(data: PreparedData, options: ObjectiveOptions): StepObjective {
  const { n, dim } = data;
  const c = data.classes.length;
  const { kind, lambda, prior, precise = false } = options;
  const weights = lossWeights(data, kind, options.classBalanced ?? false);
  const np = pad4(n);
  const x = precise ? Float64Array.from(data.x) : data.x;
  const xt = precise ? Float64Array.from(transpose(data.x, n, dim, np)) : transpose(data.x, n, dim, np);
  const w = precise ? new Float64Array(c * dim) : new Float32Array(c * dim);
  const z = precise ? new Float64Array(n * c) : new Float32Array(n * c);
  const gt = precise ? new Float64Array(c * np) : new Float32Array(c * np);
  const gw = precise ? new Float64Array(c * dim) : new Float32Array(c * dim);
  const row = new Float64Array(c);
  return function* (theta, gradient) {
    for (let t = 0; t < c * dim; t++) w[t] = theta[t]!;
    yield* product(x, w, n, c, dim, z, precise);
    let loss = 0;
    gradient.fill(0);
    // Each row's gradient G[i, ·] overwrites its logits in z (contiguous writes), then one blocked
    // transpose makes Gᵀ for the Gᵀ·X product: writing Gᵀ directly strides a cache line per value.
    for (let i = 0; i < n; i++) {
      const o = i * c;
      for (let k = 0; k < c; k++) row[k] = z[o + k]! + theta[c * dim + k]!;
      if (kind === "softmax") {
        let max = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < c; k++) max = Math.max(max, row[k]!);
        const yi = data.y[i]!;
        const wi = weights[i]!;
        const target = row[yi]!;
        // One exp per logit: p_k = exp(z_k − max) / Σ exp(z_j − max).
        let sum = 0;
        for (let k = 0; k < c; k++) {
          const e = Math.exp(row[k]! - max);
          row[k] = e;
          sum += e;
        }
        loss += wi * (max + Math.log(sum) - target);
        const scale = wi / sum;
        for (let k = 0; k < c; k++) {
          const g = scale * row[k]! - (k === yi ? wi : 0);
          z[o + k] = g;
          gradient[c * dim + k]! += g;
        }
      } else {
        for (let k = 0; k < c; k++) {
          const t = data.targets![o + k]!;
          const wik = weights[o + k]!;
          const zk = row[k]!;
          loss += wik * (log1pExp(zk) - t * zk);
          const g = wik * (1 / (1 + Math.exp(-zk)) - t);
          z[o + k] = g;
          gradient[c * dim + k]! += g;
        }
      }
    }
    transposeInto(z, n, c, gt, np);
    yield* product(gt, xt, c, dim, np, gw, precise);
    let reg = 0;
    for (let t = 0; t < c * dim; t++) {
      const d = theta[t]! - (prior ? prior[t]! : 0);
      reg += d * d;
      gradient[t] = gw[t]! + lambda * d;
    }
    return loss + 0.5 * lambda * reg;
  };
}

/** `n × classes` logits W x + b of prepared rows under parameters `theta`. */
export function* linearLogits(data: PreparedData, theta: Float64Array): Steps<Float64Array> {
  const c = data.classes.length;
  const w = new Float32Array(c * data.dim);
  for (let t = 0; t < w.length; t++) w[t] = theta[t]!;
  const z = yield* product(data.x, w, data.n, c, data.dim);
  for (let i = 0; i < data.n; i++) for (let k = 0; k < c; k++) z[i * c + k]! += theta[c * data.dim + k]!;
  return z;
}
