import { ClipkitError } from "../errors.js";

function checkScale(scale: number): void {
  if (!Number.isFinite(scale)) {
    throw new ClipkitError("INVALID_ARGUMENT", `scale must be finite, got ${scale}`, {
      details: { argument: "scale" },
    });
  }
}

/**
 * Softmax of `scale · x` (the logit scale is CLIP's inverse temperature, 100 for OpenAI CLIP).
 * Subtracts the max first, so large logits do not overflow.
 */
export function softmax(x: ArrayLike<number>, scale = 1): Float32Array {
  checkScale(scale);
  const out = new Float32Array(x.length);
  if (x.length === 0) return out;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) max = Math.max(max, scale * x[i]!);
  let sum = 0;
  const tmp = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const e = Math.exp(scale * x[i]! - max);
    tmp[i] = e;
    sum += e;
  }
  for (let i = 0; i < x.length; i++) out[i] = tmp[i]! / sum;
  return out;
}

/** log-softmax of `scale · x`, computed stably (log-sum-exp). */
export function logSoftmax(x: ArrayLike<number>, scale = 1): Float64Array {
  checkScale(scale);
  const out = new Float64Array(x.length);
  if (x.length === 0) return out;
  const lse = logSumExp(x, scale);
  for (let i = 0; i < x.length; i++) out[i] = scale * x[i]! - lse;
  return out;
}

/** log Σ exp(scale · x_i), stable. */
export function logSumExp(x: ArrayLike<number>, scale = 1): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) max = Math.max(max, scale * x[i]!);
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.exp(scale * x[i]! - max);
  return max + Math.log(sum);
}

/** Numerically stable logistic function. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log σ(z), stable for large |z|. */
export function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

/**
 * SigLIP's per-pair probability: σ(scale · x + bias), element-wise. Unlike softmax these do not
 * sum to 1; each is an independent "does this text match" probability.
 */
export function scaledSigmoid(x: ArrayLike<number>, scale: number, bias: number): Float32Array {
  checkScale(scale);
  if (!Number.isFinite(bias)) {
    throw new ClipkitError("INVALID_ARGUMENT", `bias must be finite, got ${bias}`, {
      details: { argument: "bias" },
    });
  }
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = sigmoid(scale * x[i]! + bias);
  return out;
}
