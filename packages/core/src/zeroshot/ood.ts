import type { Scoring } from "../model/types.js";

/** Thresholds for {@link outOfDomainSignal}. All are heuristics: tune them on your own images. */
export interface OodOptions {
  /**
   * Flag when the best class cosine is below this. Default: 0.2 for softmax (CLIP) scoring, where
   * matching image–text pairs typically score 0.25–0.35; for sigmoid (SigLIP) scoring, the cosine at
   * which σ(scale·cos + bias) = 0.01.
   */
  minCosine?: number;
  /** Flag when the softmax distribution's entropy / log(classes) exceeds this (default 0.9). */
  maxEntropy?: number;
  /** Flag when top-1 minus top-2 softmax probability is below this (default 0.02). */
  minMargin?: number;
}

/** Why an image was flagged. */
export type OodReason = "low-cosine" | "flat-distribution" | "small-margin";

/**
 * A heuristic "none of these labels fits" signal. Zero-shot heads always pick some label; this says
 * how much to trust that pick. It is not a calibrated probability.
 */
export interface OodSignal {
  /** True when any reason applies. */
  readonly flagged: boolean;
  readonly reasons: readonly OodReason[];
  /** Highest cosine between the image and any class. */
  readonly bestCosine: number;
  /** Entropy of softmax(logitScale · cos) divided by log(classes): 0 = one class, 1 = uniform. 0 for one class. */
  readonly entropy: number;
  /** Top-1 minus top-2 softmax probability (1 for a single class). */
  readonly margin: number;
}

/** The default `minCosine` for a scoring rule (see {@link OodOptions.minCosine}). */
export function defaultMinCosine(scoring: Scoring): number {
  if (scoring.kind === "softmax") return 0.2;
  // σ(z) = 0.01 at z = log(0.01 / 0.99).
  return (Math.log(0.01 / 0.99) - scoring.logitBias) / scoring.logitScale;
}

/** Computes the out-of-domain signal from one image's cosines against every class. */
export function outOfDomainSignal(
  cosines: ArrayLike<number>,
  scoring: Scoring,
  options: OodOptions = {},
): OodSignal {
  const n = cosines.length;
  const minCosine = options.minCosine ?? defaultMinCosine(scoring);
  const maxEntropy = options.maxEntropy ?? 0.9;
  const minMargin = options.minMargin ?? 0.02;
  let best = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) best = Math.max(best, cosines[i]!);
  // Softmax with the model's scale whatever the scoring: it measures how peaked the ranking is.
  const scale = scoring.logitScale;
  let sum = 0;
  const exps = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    exps[i] = Math.exp(scale * (cosines[i]! - best));
    sum += exps[i]!;
  }
  const probs = new Float64Array(n);
  for (let i = 0; i < n; i++) probs[i] = exps[i]! / sum;
  return oodFromDistribution(best, probs, { minCosine, maxEntropy, minMargin });
}

/**
 * The shared rule behind every head's OOD signal: given the best class cosine and a probability
 * distribution over the classes, flag a low best cosine, a flat distribution (normalised entropy)
 * or a small top-1/top-2 margin. Zero-shot heads pass softmax(logitScale · cos); adapted heads
 * their own class probabilities.
 */
export function oodFromDistribution(
  bestCosine: number,
  probs: ArrayLike<number>,
  limits: Required<OodOptions>,
): OodSignal {
  const n = probs.length;
  let h = 0;
  let p1 = 0;
  let p2 = 0;
  for (let i = 0; i < n; i++) {
    const p = probs[i]!;
    if (p > 0) h -= p * Math.log(p);
    if (p > p1) {
      p2 = p1;
      p1 = p;
    } else if (p > p2) p2 = p;
  }
  const entropy = n > 1 ? h / Math.log(n) : 0;
  const margin = n > 1 ? p1 - p2 : 1;
  const reasons: OodReason[] = [];
  if (bestCosine < limits.minCosine) reasons.push("low-cosine");
  if (entropy > limits.maxEntropy) reasons.push("flat-distribution");
  if (n > 1 && margin < limits.minMargin) reasons.push("small-margin");
  return { flagged: reasons.length > 0, reasons, bestCosine, entropy, margin };
}
