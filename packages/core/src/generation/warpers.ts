/**
 * Sampling: HF's warpers (temperature, top-k, top-p, in that order) then a draw from the
 * softmax. Works on one row of scores.
 */
import type { Rng } from "./rng.js";

/** Divides scores by `temperature` in place. */
export function applyTemperature(scores: Float32Array, temperature: number): void {
  if (temperature === 1) return;
  for (let i = 0; i < scores.length; i++) scores[i] = scores[i]! / temperature;
}

/** Sets all but the `k` highest scores to -∞ (ties with the k-th score are kept, like HF). */
export function applyTopK(scores: Float32Array, k: number): void {
  if (k <= 0 || k >= scores.length) return;
  const sorted = Float32Array.from(scores).sort();
  const threshold = sorted[scores.length - k]!;
  for (let i = 0; i < scores.length; i++) if (scores[i]! < threshold) scores[i] = Number.NEGATIVE_INFINITY;
}

/** Nucleus filtering: keeps the most likely tokens until their probability reaches `p` (at least one). */
export function applyTopP(scores: Float32Array, p: number): void {
  if (p >= 1) return;
  const order = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]!);
  const probs = softmax(scores);
  // HF removes ascending-sorted tokens whose cumulative probability stays <= 1 - p.
  let cumulative = 0;
  for (let r = 0; r < order.length - 1; r++) {
    cumulative += probs[order[r]!]!;
    if (cumulative > 1 - p) break;
    scores[order[r]!] = Number.NEGATIVE_INFINITY;
  }
}

/** Numerically stable softmax of one row (−∞ entries get probability 0). */
export function softmax(scores: Float32Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const s of scores) if (s > max) max = s;
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const e = scores[i] === Number.NEGATIVE_INFINITY ? 0 : Math.exp(scores[i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / sum;
  return out;
}

/** Draws one index from `softmax(scores)`. */
export function sample(scores: Float32Array, rng: Rng): number {
  const probs = softmax(scores);
  const u = rng.next();
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i]! <= 0) continue;
    cumulative += probs[i]!;
    last = i;
    if (u < cumulative) return i;
  }
  return last;
}

/** Index of the highest score (first on ties, like `argmax`). */
export function argmax(scores: Float32Array, offset = 0, length = scores.length - offset): number {
  let best = offset;
  for (let i = offset + 1; i < offset + length; i++) if (scores[i]! > scores[best]!) best = i;
  return best - offset;
}
