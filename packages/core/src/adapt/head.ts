import { describeSpace, type EmbeddingSpace, type Embeddings } from "../embeddings.js";
import { ClipkitError } from "../errors.js";
import { sigmoid, softmax } from "../math/softmax.js";
import { topK } from "../math/topk.js";
import type { Scoring } from "../model/types.js";
import { type Classification, type ClassifyOptions, thresholdsFor } from "../zeroshot/classify.js";
import { oodFromDistribution } from "../zeroshot/ood.js";
import { matmulABt } from "./gemm.js";
import type { FitScore } from "./metrics.js";

/** How a head was adapted. */
export type AdapterMethod = "probe" | "zs-probe" | "tip" | "tip-f";

/** Provenance and hyper-parameters of an adapted head (stored in its file header). */
export interface AdapterRecord {
  readonly method: AdapterMethod;
  /** One-vs-rest sigmoid head for tag data (else one softmax over the classes). */
  readonly multiLabel: boolean;
  /** Fewest training examples of any class (the "K" of K-shot). */
  readonly shots: number;
  /** Training examples in all. */
  readonly examples: number;
  readonly seed: number;
  readonly classBalanced: boolean;
  /** Chosen hyper-parameters: `lambda` (probes), `alpha` (zs-probe WiSE-FT mix, Tip cache weight), `beta` (Tip sharpness), `epochs` (Tip-F). */
  readonly hyper: Readonly<Record<string, number>>;
  /** How they were chosen: k-fold or leave-one-out cross-validation, a validation split, or defaults (too few shots). */
  readonly selection: "cv" | "loo" | "validation" | "default";
  /**
   * Leave-one-out selection on a capped query sample (Tip-Adapter's `looQueries`): how many
   * examples were scored as queries (all of them stayed keys). Absent when every example was.
   */
  readonly looQueries?: number;
  /** Score of the chosen setting on held-out data (CV folds or the validation split). */
  readonly heldOut?: FitScore;
  /** Default out-of-domain cosine threshold (see {@link AdaptedHead}). */
  readonly minCosine: number;
}

/** A Tip-Adapter cache: keys (training embeddings, or fine-tuned ones for Tip-Adapter-F) with their classes. */
export interface AdapterCache {
  /** `entries × dim` keys. */
  readonly keys: Float32Array;
  /** Class index of each key. */
  readonly labels: Int32Array;
  /** Sharpness β of the affinity exp(−β(1 − cos)). */
  readonly beta: number;
  /** Multiplier of the cache logits (α · logitScale / 100 in the paper's units). */
  readonly weight: number;
}

/** Everything an {@link AdaptedHead} holds. */
export interface AdaptedHeadInit {
  readonly labels: readonly string[];
  readonly space: EmbeddingSpace;
  /** The model's scoring rule (kept for reference; the head's logits are already calibrated). */
  readonly scoring: Scoring;
  /** `classes × dim` linear weights on normalised embeddings. */
  readonly weights: Float32Array;
  /** `classes` biases. */
  readonly bias: Float32Array;
  /** `classes × dim` unit-norm class means of the training embeddings (for the cosine/OOD signal). */
  readonly prototypes: Float32Array;
  readonly cache?: AdapterCache;
  /** promptsHash of the zero-shot head it started from ("" for a plain probe). */
  readonly promptsHash: string;
  readonly adapter: AdapterRecord;
}

function bad(message: string, argument: string): ClipkitError {
  return new ClipkitError("INVALID_ARGUMENT", message, { details: { argument } });
}

/**
 * A classifier adapted from a few labelled images per class: logits = W x̂ + b (+ the Tip-Adapter
 * cache term Σₙ weight · exp(−β(1 − x̂·kₙ)) for the key's class), x̂ the L2-normalised image
 * embedding. It has the zero-shot head's `classify()` API and result shape:
 *
 * - `mode: "auto"` is softmax over the classes (sigmoid for a multi-label head); `"softmax"` and
 *   `"sigmoid"` force one; `"cosine"` scores by the cosine to each class's mean training embedding.
 * - `cosine` in each result is that prototype cosine; `logit` is the head's own logit.
 * - The OOD signal uses the prototype cosines (`minCosine` defaults to the head's recorded
 *   threshold: the 1st percentile of training images' cosine to their own class mean) and the
 *   head's softmax for entropy and margin.
 * - `logitScale` / `logitBias` are rejected: the logits were fitted, there is no scale to override.
 */
export class AdaptedHead {
  readonly labels: readonly string[];
  readonly space: EmbeddingSpace;
  readonly scoring: Scoring;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly prototypes: Float32Array;
  readonly cache?: AdapterCache;
  readonly promptsHash: string;
  readonly adapter: AdapterRecord;

  constructor(init: AdaptedHeadInit) {
    const c = init.labels.length;
    const d = init.space.dim;
    if (c === 0) throw bad("an adapted head needs at least one class", "labels");
    if (new Set(init.labels).size !== c) throw bad("adapted head labels must be unique", "labels");
    const shapes: [string, number, number][] = [
      ["weights", init.weights.length, c * d],
      ["bias", init.bias.length, c],
      ["prototypes", init.prototypes.length, c * d],
    ];
    if (init.cache) {
      shapes.push(["cache.keys", init.cache.keys.length, init.cache.labels.length * d]);
      if (init.cache.labels.some((l) => l < 0 || l >= c))
        throw bad("cache label out of range", "cache.labels");
    }
    for (const [name, actual, expected] of shapes) {
      if (actual !== expected) {
        throw new ClipkitError(
          "SHAPE_MISMATCH",
          `adapted head ${name} holds ${actual} floats, expected ${expected}`,
          {
            details: { tensor: name, expected, actual },
          },
        );
      }
    }
    this.labels = [...init.labels];
    this.space = { ...init.space, normalized: true };
    this.scoring = init.scoring;
    this.weights = init.weights;
    this.bias = init.bias;
    this.prototypes = init.prototypes;
    this.cache = init.cache;
    this.promptsHash = init.promptsHash;
    this.adapter = init.adapter;
  }

  get size(): number {
    return this.labels.length;
  }

  /** Throws `SPACE_MISMATCH` unless `space` is this head's model space (id and dim). */
  assertSpace(space: EmbeddingSpace, context = "adapted head"): void {
    if (space.id !== this.space.id || space.dim !== this.space.dim) {
      throw new ClipkitError(
        "SPACE_MISMATCH",
        `${context}: head was trained for ${describeSpace(this.space)} but got ${describeSpace(space)}`,
        { details: { head: this.space, given: space } },
      );
    }
  }

  /** `rows × classes` logits of already-normalised rows (`rows × dim`). */
  logitsOfNormalized(x: Float32Array, rows: number): Float64Array {
    const c = this.labels.length;
    const d = this.space.dim;
    const z = matmulABt(x, this.weights, rows, c, d) as Float64Array;
    for (let i = 0; i < rows; i++) for (let k = 0; k < c; k++) z[i * c + k]! += this.bias[k]!;
    if (this.cache) addCacheLogits(z, x, rows, this.cache, c, d);
    return z;
  }

  /** `images × classes` logits; rows are normalised first. Throws `SPACE_MISMATCH` for another model. */
  logits(embeddings: Embeddings): Float64Array {
    return this.logitsOfNormalized(this.normalized(embeddings), embeddings.count);
  }

  private normalized(embeddings: Embeddings): Float32Array {
    this.assertSpace(embeddings.space, "classify");
    const d = this.space.dim;
    const x = new Float32Array(embeddings.count * d);
    for (let i = 0; i < embeddings.count; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += embeddings.data[i * d + k]! ** 2;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let k = 0; k < d; k++) x[i * d + k] = embeddings.data[i * d + k]! * inv;
    }
    return x;
  }

  /** Scores embedded images; same options and result shape as `ZeroShotHead.classify`. */
  classify(embeddings: Embeddings, options: ClassifyOptions = {}): Classification[] {
    if (options.logitScale !== undefined)
      throw bad("an adapted head's logits are fitted; logitScale cannot be overridden", "logitScale");
    if (options.logitBias !== undefined)
      throw bad("an adapted head's logits are fitted; logitBias cannot be overridden", "logitBias");
    const x = this.normalized(embeddings);
    const n = embeddings.count;
    const c = this.labels.length;
    const z = this.logitsOfNormalized(x, n);
    const cos = matmulABt(x, this.prototypes, n, c, this.space.dim) as Float64Array;
    const requested = options.mode ?? "auto";
    const mode = requested === "auto" ? (this.adapter.multiLabel ? "sigmoid" : "softmax") : requested;
    const thresholds = thresholdsFor(this.labels, options, mode);
    const k = options.topK ?? (thresholds ? c : 5);
    if (!Number.isInteger(k) || k < 1) throw bad(`topK must be a positive integer, got ${k}`, "topK");
    const out: Classification[] = [];
    for (let i = 0; i < n; i++) {
      const logits = z.subarray(i * c, (i + 1) * c);
      const ci = cos.subarray(i * c, (i + 1) * c);
      const probs = softmax(logits);
      const scores: ArrayLike<number> =
        mode === "softmax" ? probs : mode === "sigmoid" ? logits.map(sigmoid) : ci;
      let ranked = topK(scores, Math.min(k, c));
      if (thresholds) ranked = ranked.filter((r) => r.score >= thresholds[r.index]!);
      out.push({
        top: ranked.map(({ index }) => ({
          label: this.labels[index]!,
          index,
          score: scores[index]!,
          logit: logits[index]!,
          cosine: ci[index]!,
        })),
        ood: this.ood(ci, probs, options),
      });
    }
    return out;
  }

  private ood(
    cos: ArrayLike<number>,
    probs: ArrayLike<number>,
    options: ClassifyOptions,
  ): Classification["ood"] {
    let best = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < cos.length; i++) best = Math.max(best, cos[i]!);
    return oodFromDistribution(best, probs, {
      minCosine: options.ood?.minCosine ?? this.adapter.minCosine,
      maxEntropy: options.ood?.maxEntropy ?? 0.9,
      minMargin: options.ood?.minMargin ?? 0.02,
    });
  }
}

/** Adds the Tip-Adapter cache term to `z` (`rows × classes`) for normalised rows `x`. */
export function addCacheLogits(
  z: Float64Array,
  x: Float32Array,
  rows: number,
  cache: AdapterCache,
  classes: number,
  dim: number,
): void {
  const entries = cache.labels.length;
  const chunk = 256;
  const s = new Float64Array(Math.min(chunk, rows) * entries);
  for (let i0 = 0; i0 < rows; i0 += chunk) {
    const r = Math.min(chunk, rows - i0);
    matmulABt(x.subarray(i0 * dim, (i0 + r) * dim), cache.keys, r, entries, dim, s);
    for (let i = 0; i < r; i++) {
      const zo = (i0 + i) * classes;
      for (let e = 0; e < entries; e++) {
        z[zo + cache.labels[e]!]! += cache.weight * Math.exp(-cache.beta * (1 - s[i * entries + e]!));
      }
    }
  }
}
