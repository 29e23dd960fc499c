import type { PreparedData } from "./data.js";
import { pad4, transpose, transposeInto } from "./gemm.js";
import { seededRandom, shuffled } from "./rng.js";
import { product, runSteps, type Steps } from "./steps.js";
import { zeroShotLogits } from "./zeroshot-weights.js";

/** Fine-tuning options of Tip-Adapter-F (defaults: the paper's ImageNet recipe). */
export interface TipFineTuneOptions {
  /** Passes over the training shots (default 20). */
  epochs?: number;
  /** AdamW learning rate, cosine-annealed to 0 (default 1e-3). */
  learningRate?: number;
  /** Shots per step (default 256). */
  batchSize?: number;
  /** AdamW decoupled weight decay (default 0.01, PyTorch's default the paper keeps). */
  weightDecay?: number;
  seed?: number;
}

/** The fixed parts of the Tip-Adapter-F loss. */
export interface CacheLoss {
  readonly data: PreparedData;
  /** `classes × dim` unit-norm zero-shot weights. */
  readonly zs: Float32Array;
  readonly scale: number;
  /** Cache logit weight w = α·s/100. */
  readonly weight: number;
  readonly beta: number;
}

/**
 * Mean cross-entropy of z = s·(q·Wᵀ) + w·Σₑ exp(−β(1 − q·kₑ))·onehot(yₑ) over the query rows
 * `rows` of the training data, and its gradient with respect to the keys (written to `grad`,
 * `entries × dim`): ∂L/∂kₑ = Σ_q (p_q[yₑ] − [y_q = yₑ]) / r · w·β·A_qe · q.
 */
export function cacheLossGradient(
  p: CacheLoss,
  keys: Float32Array,
  rows: readonly number[],
  grad: Float32Array | Float64Array,
): number {
  return runSteps(cacheLossGradientSteps(p, keys, rows, grad));
}

/**
 * Buffers {@link cacheLossGradientSteps} can reuse across batches of at most `batch` rows: the
 * `batch × entries` affinities (float64) and the `entries × pad4(batch)` transposed gradient —
 * 32 + 16 MB at 256 × 16,000, which allocating per batch turned into gigabytes per epoch.
 */
export interface CacheLossScratch {
  readonly sims: Float64Array;
  readonly ds: Float32Array;
}

/** Scratch for batches of up to `batch` rows against `entries` keys. */
export function cacheLossScratch(batch: number, entries: number): CacheLossScratch {
  return { sims: new Float64Array(batch * entries), ds: new Float32Array(entries * pad4(batch)) };
}

/** {@link cacheLossGradient} with its three products yielded (see `steps.ts`). */
export function* cacheLossGradientSteps(
  p: CacheLoss,
  keys: Float32Array,
  rows: readonly number[],
  grad: Float32Array | Float64Array,
  scratch: CacheLossScratch = cacheLossScratch(rows.length, p.data.n),
): Steps<number> {
  const { data, zs, scale, weight: w, beta } = p;
  const { n, dim } = data;
  const c = data.classes.length;
  const r = rows.length;
  const bp = pad4(r);
  const q = new Float32Array(r * dim);
  rows.forEach((row, i) => {
    q.set(data.x.subarray(row * dim, (row + 1) * dim), i * dim);
  });
  const s = yield* product(q, keys, r, n, dim, scratch.sims.subarray(0, r * n));
  const base = yield* zeroShotLogits(q, r, zs, c, dim, scale);
  const ds = scratch.ds.subarray(0, n * bp);
  // Padding columns r … bp of dSᵀ meet Qᵀ's zero padding; a reused buffer holds an earlier batch
  // there, harmless while finite (0·x = 0), zeroed anyway so no stale value can reach the sum.
  if (bp > r) for (let e = 0; e < n; e++) ds.fill(0, e * bp + r, (e + 1) * bp);
  const z = new Float64Array(c);
  let loss = 0;
  for (let i = 0; i < r; i++) {
    const o = i * n;
    for (let k = 0; k < c; k++) z[k] = base[i * c + k]!;
    // The affinities A_qe replace the similarities in place: one exp per (query, key).
    for (let e = 0; e < n; e++) {
      const a = Math.exp(-beta * (1 - s[o + e]!));
      s[o + e] = a;
      z[data.y[e]!]! += w * a;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < c; k++) max = Math.max(max, z[k]!);
    const y = data.y[rows[i]!]!;
    const target = z[y]!;
    let sum = 0;
    for (let k = 0; k < c; k++) {
      const p = Math.exp(z[k]! - max);
      z[k] = p;
      sum += p;
    }
    loss += (max + Math.log(sum) - target) / r;
    for (let k = 0; k < c; k++) z[k] = (z[k]! / sum - (k === y ? 1 : 0)) / r;
    // dS row-major, over the affinities (contiguous writes); transposed in tiles below.
    for (let e = 0; e < n; e++) s[o + e] = z[data.y[e]!]! * w * beta * s[o + e]!;
  }
  transposeInto(s, r, n, ds, bp);
  // ∂L/∂K = dSᵀ · Q, computed as (dSᵀ)(Qᵀ)ᵀ over the zero-padded batch dimension.
  yield* product(ds, transpose(q, r, dim, bp), n, dim, bp, grad);
  return loss;
}

/**
 * Trains the cache keys of Tip-Adapter-F by mini-batch AdamW (seeded batch order, cosine-annealed
 * learning rate, PyTorch's bias correction, eps 1e-4 as the paper's code) on
 * {@link cacheLossGradient}, the training shots serving as both queries and initial keys (the
 * paper's setting). Memory: one `batch × keys` block at a time plus the Adam moments.
 */
export function fineTuneKeys(
  data: PreparedData,
  zs: Float32Array,
  scale: number,
  alpha: number,
  beta: number,
  options: TipFineTuneOptions,
): FineTuned {
  return runSteps(fineTuneKeysSteps(data, zs, scale, alpha, beta, options));
}

/** What {@link fineTuneKeys} returns: the tuned keys, the epochs run and each epoch's mean loss. */
export interface FineTuned {
  keys: Float32Array;
  epochs: number;
  losses: number[];
}

/** {@link fineTuneKeys} with its products yielded (see `steps.ts`). */
export function* fineTuneKeysSteps(
  data: PreparedData,
  zs: Float32Array,
  scale: number,
  alpha: number,
  beta: number,
  options: TipFineTuneOptions,
): Steps<FineTuned> {
  const { n, dim } = data;
  const epochs = options.epochs ?? 20;
  const lr0 = options.learningRate ?? 1e-3;
  const batch = Math.max(1, Math.min(options.batchSize ?? 256, n));
  const decay = options.weightDecay ?? 0.01;
  const problem: CacheLoss = { data, zs, scale, weight: (alpha * scale) / 100, beta };
  const keys = Float32Array.from(data.x);
  const m = new Float64Array(n * dim);
  const v = new Float64Array(n * dim);
  const grad = new Float32Array(n * dim);
  const scratch = cacheLossScratch(batch, n);
  const random = seededRandom(options.seed ?? 0);
  const steps = epochs * Math.ceil(n / batch);
  const order = Array.from({ length: n }, (_, i) => i);
  const losses: number[] = [];
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const perm = shuffled(order, random);
    let epochLoss = 0;
    for (let b0 = 0; b0 < n; b0 += batch) {
      const rows = perm.slice(b0, b0 + batch);
      epochLoss += (yield* cacheLossGradientSteps(problem, keys, rows, grad, scratch)) * rows.length;
      step++;
      const lr = 0.5 * lr0 * (1 + Math.cos((Math.PI * (step - 1)) / steps));
      const c1 = 1 - 0.9 ** step;
      const c2 = 1 - 0.999 ** step;
      for (let t = 0; t < n * dim; t++) {
        const g = grad[t]!;
        m[t] = 0.9 * m[t]! + 0.1 * g;
        v[t] = 0.999 * v[t]! + 0.001 * g * g;
        keys[t] = keys[t]! * (1 - lr * decay) - (lr * (m[t]! / c1)) / (Math.sqrt(v[t]! / c2) + 1e-4);
      }
    }
    losses.push(epochLoss / n);
  }
  return { keys, epochs, losses };
}
