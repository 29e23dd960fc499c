import type { PreparedData } from "./data.js";
import { matmulABt } from "./gemm.js";

/** Per-class sums of the normalised rows (positives for multi-label data), `classes × dim`, float64. */
function classSums(data: PreparedData): Float64Array {
  const { n, dim } = data;
  const c = data.classes.length;
  const sums = new Float64Array(c * dim);
  if (!data.targets) {
    // Single-label: each row adds to its own class only (same additions, same order, as below).
    for (let i = 0; i < n; i++) {
      const o = data.y[i]! * dim;
      for (let t = 0; t < dim; t++) sums[o + t]! += data.x[i * dim + t]!;
    }
    return sums;
  }
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      const member = data.targets ? data.targets[i * c + k] === 1 : data.y[i] === k;
      if (!member) continue;
      for (let t = 0; t < dim; t++) sums[k * dim + t]! += data.x[i * dim + t]!;
    }
  }
  return sums;
}

/**
 * Unit-norm class means (the "prototypes") and the head's default out-of-domain threshold: the 1st
 * percentile of training rows' cosine to their own class mean computed without the row itself
 * (leave-one-out, so it is not inflated). With one example per class there is no such cosine; the
 * 1st percentile of each row's cosine to the nearest other class mean is used instead.
 */
export function classPrototypes(data: PreparedData): { prototypes: Float32Array; minCosine: number } {
  const { n, dim } = data;
  const c = data.classes.length;
  const sums = classSums(data);
  const prototypes = new Float32Array(c * dim);
  for (let k = 0; k < c; k++) {
    let s = 0;
    for (let t = 0; t < dim; t++) s += sums[k * dim + t]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let t = 0; t < dim; t++) prototypes[k * dim + t] = sums[k * dim + t]! * inv;
  }
  const own: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = data.targets ? data.targets.subarray(i * c, (i + 1) * c).indexOf(1) : data.y[i]!;
    if (k < 0 || data.counts[k]! < 2) continue;
    let dotp = 0;
    let norm = 0;
    for (let t = 0; t < dim; t++) {
      const xi = data.x[i * dim + t]!;
      const rest = sums[k * dim + t]! - xi;
      dotp += xi * rest;
      norm += rest * rest;
    }
    if (norm > 0) own.push(dotp / Math.sqrt(norm));
  }
  let values = own;
  if (values.length === 0 && c > 1) {
    const cos = matmulABt(data.x, prototypes, n, c, dim);
    values = [];
    for (let i = 0; i < n; i++) {
      let best = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < c; k++) if (k !== data.y[i]) best = Math.max(best, cos[i * c + k]!);
      values.push(best);
    }
  }
  values.sort((a, b) => a - b);
  const minCosine = values.length ? values[Math.floor(0.01 * (values.length - 1))]! : 0;
  return { prototypes, minCosine };
}
