import type { PreparedData } from "./data.js";
import { lbfgsSteps } from "./lbfgs.js";
import { linearLogits, logisticObjectiveSteps } from "./objective.js";
import type { Steps } from "./steps.js";

/**
 * One probe fit (L-BFGS on the regularised logistic objective) and the starting points the
 * probes' λ path uses. Parameters are raw-row (W, b) on both sides of {@link fit}.
 */

/** What every fit of one training shares. */
export interface FitSettings {
  multiLabel: boolean;
  classBalanced: boolean;
  maxIterations: number;
  tolerance: number;
}

/**
 * Minimises the objective at `lambda` from `start` (flat W then b, raw rows), regularised towards
 * `prior`'s W when given; returns the minimiser in the same layout. Centred rows of `data` are
 * computed once and reused by every fit on the same `data` (a copy of its rows, `n × dim` float32).
 */
export function* fit(
  data: PreparedData,
  lambda: number,
  prior: Float64Array | undefined,
  start: Float64Array,
  s: FitSettings,
): Steps<Float64Array> {
  const c = data.classes.length;
  const d = data.dim;
  // L-BFGS runs on centred rows: an exact reparameterisation (the bias is not regularised, see
  // shiftBias) that takes the embeddings' shared mean direction out of the Hessian: 20 % fewer
  // evaluations on the emoji learning-curve data, the same heads up to the tolerance.
  const { centre, centred } = centredRows(data);
  const objective = logisticObjectiveSteps(centred, {
    kind: s.multiLabel ? "sigmoid" : "softmax",
    lambda,
    prior: prior?.subarray(0, c * d),
    classBalanced: s.classBalanced,
  });
  const result = yield* lbfgsSteps(objective, shiftBias(start, centre, c, d, 1), {
    maxIterations: s.maxIterations,
    gradientTolerance: s.tolerance,
    relativeTolerance: 1e-7,
  });
  return shiftBias(result.x, centre, c, d, -1);
}

const centredCache = new WeakMap<PreparedData, { centre: Float64Array; centred: PreparedData }>();

/** `data` with its row mean subtracted (computed once per data set: every λ of a path reuses it). */
function centredRows(data: PreparedData): { centre: Float64Array; centred: PreparedData } {
  let hit = centredCache.get(data);
  if (!hit) {
    const centre = rowMean(data);
    hit = { centre, centred: { ...data, x: centreRows(data, centre) } };
    centredCache.set(data, hit);
  }
  return hit;
}

/** Mean of the rows of `data` (float64). */
function rowMean(data: PreparedData): Float64Array {
  const mean = new Float64Array(data.dim);
  for (let i = 0; i < data.n; i++) for (let t = 0; t < data.dim; t++) mean[t]! += data.x[i * data.dim + t]!;
  for (let t = 0; t < data.dim; t++) mean[t]! /= Math.max(1, data.n);
  return mean;
}

/** Rows of `data` minus `centre`. */
function centreRows(data: PreparedData, centre: Float64Array): Float32Array {
  const x = new Float32Array(data.x.length);
  for (let i = 0; i < data.n; i++)
    for (let t = 0; t < data.dim; t++) x[i * data.dim + t] = data.x[i * data.dim + t]! - centre[t]!;
  return x;
}

/**
 * Parameters (W, b) for rows x mapped to (W, b + sign · W μ): W x + b = W (x − μ) + (b + W μ), so
 * sign = 1 turns raw-row parameters into centred-row ones and −1 turns them back.
 */
function shiftBias(
  theta: Float64Array,
  centre: Float64Array,
  c: number,
  d: number,
  sign: number,
): Float64Array {
  const out = Float64Array.from(theta);
  for (let k = 0; k < c; k++) {
    let s = 0;
    for (let t = 0; t < d; t++) s += theta[k * d + t]! * centre[t]!;
    out[c * d + k]! += sign * s;
  }
  return out;
}

/** Bias-only iterative-scaling steps from the zero-shot prior (see {@link fitBiases}). */
const BIAS_STEPS = 8;

/**
 * The zero-shot prior with its biases refitted to `data` (W fixed): generalised iterative scaling,
 * b_k += log(n_k / n) − log(mean_i p_ik), whose fixed point zeroes the bias gradient. A zero-shot
 * head's logits (scale ~100) leave the biases of poorly recognised classes far from their optimum,
 * in directions with near-zero curvature where L-BFGS crawls (~100 iterations at λ = 1 on the emoji
 * data); these steps need one product and a softmax pass each, and only move the starting point.
 */
export function* fitBiases(data: PreparedData, theta: Float64Array): Steps<Float64Array> {
  const c = data.classes.length;
  const bias = c * data.dim;
  const z = yield* linearLogits(data, theta);
  const shift = new Float64Array(c);
  const mean = new Float64Array(c);
  const row = new Float64Array(c);
  for (let step = 0; step < BIAS_STEPS; step++) {
    mean.fill(0);
    for (let i = 0; i < data.n; i++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < c; k++) {
        row[k] = z[i * c + k]! + shift[k]!;
        max = Math.max(max, row[k]!);
      }
      let sum = 0;
      for (let k = 0; k < c; k++) {
        row[k] = Math.exp(row[k]! - max);
        sum += row[k]!;
      }
      for (let k = 0; k < c; k++) mean[k]! += row[k]! / sum / data.n;
    }
    for (let k = 0; k < c; k++) {
      const target = data.counts[k]! / data.n;
      if (target > 0 && mean[k]! > 0) shift[k]! += Math.log(target) - Math.log(mean[k]!);
    }
  }
  const out = Float64Array.from(theta);
  for (let k = 0; k < c; k++) out[bias + k]! += shift[k]!;
  return out;
}
