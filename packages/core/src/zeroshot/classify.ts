import type { Embeddings } from "../embeddings.js";
import { ClipkitError } from "../errors.js";
import { sigmoid, softmax } from "../math/softmax.js";
import { topK } from "../math/topk.js";
import type { Scoring } from "../model/types.js";
import type { ZeroShotHead } from "./head.js";
import { type OodOptions, type OodSignal, outOfDomainSignal } from "./ood.js";

/**
 * How cosines become scores:
 * - `"auto"` (default): the model's own rule, `"softmax"` for CLIP, `"sigmoid"` for SigLIP;
 * - `"softmax"`: probabilities over the head's classes, summing to 1 (one label always scores 1.0);
 * - `"sigmoid"`: independent per-class σ(scale · cos + bias), SigLIP's rule (needs a bias);
 * - `"cosine"`: the raw cosine as the score.
 */
export type ClassifyMode = "auto" | "softmax" | "sigmoid" | "cosine";

/** Options for {@link classifyEmbeddings}. */
export interface ClassifyOptions {
  /** Classes returned per image, best first (default 5; all classes in multi-label mode). */
  topK?: number;
  mode?: ClassifyMode;
  /**
   * Multi-label mode: keep only classes whose score is at least this. Needs independent per-class
   * scores (`"sigmoid"` or `"cosine"`, or `"auto"` on a SigLIP head); softmax scores compete, so a
   * threshold on them is rejected.
   */
  threshold?: number;
  /** Per-label thresholds overriding `threshold` (multi-label mode). Unknown labels are an error. */
  classThresholds?: Readonly<Record<string, number>>;
  /** Overrides the head's logit scale (CLIP: 100). */
  logitScale?: number;
  /** Bias for `"sigmoid"` mode; defaults to the SigLIP head's own bias. */
  logitBias?: number;
  /** Out-of-domain thresholds (see {@link OodOptions}). */
  ood?: OodOptions;
}

/** One class's result for one image. */
export interface ClassScore {
  readonly label: string;
  /** Position of the class in the head. */
  readonly index: number;
  /** The score under the chosen mode (probability for softmax/sigmoid, cosine for cosine). */
  readonly score: number;
  /** scale · cos (+ bias in sigmoid mode): what softmax or sigmoid is applied to. */
  readonly logit: number;
  readonly cosine: number;
}

/** The result for one image. */
export interface Classification {
  /** Best classes first; ties keep head order. */
  readonly top: readonly ClassScore[];
  /** Heuristic "none of the labels fits" signal, computed over all classes. */
  readonly ood: OodSignal;
}

function bad(message: string, argument: string): ClipkitError {
  return new ClipkitError("INVALID_ARGUMENT", message, { details: { argument } });
}

function resolveScoring(
  head: ZeroShotHead,
  options: ClassifyOptions,
): {
  mode: Exclude<ClassifyMode, "auto">;
  scale: number;
  bias: number;
} {
  const s: Scoring = head.scoring;
  const mode = options.mode === undefined || options.mode === "auto" ? s.kind : options.mode;
  const scale = options.logitScale ?? s.logitScale;
  if (!Number.isFinite(scale)) throw bad(`logitScale must be finite, got ${scale}`, "logitScale");
  let bias = 0;
  if (mode === "sigmoid") {
    const b = options.logitBias ?? (s.kind === "sigmoid" ? s.logitBias : undefined);
    if (b === undefined || !Number.isFinite(b)) {
      throw bad(
        "sigmoid mode needs a finite logitBias: this head's model (softmax scoring) has none; pass one or use mode 'cosine'",
        "logitBias",
      );
    }
    bias = b;
  }
  return { mode, scale, bias };
}

/**
 * Per-class multi-label thresholds from `threshold` / `classThresholds` (shared by zero-shot and
 * adapted heads); undefined when neither is given. Softmax scores compete, so thresholds need
 * `sigmoid` or `cosine` mode (`INVALID_ARGUMENT` otherwise, or for an unknown label).
 */
export function thresholdsFor(
  labels: readonly string[],
  options: ClassifyOptions,
  mode: string,
): Float64Array | undefined {
  const { threshold, classThresholds } = options;
  if (threshold === undefined && classThresholds === undefined) return undefined;
  if (mode === "softmax") {
    throw bad(
      "thresholds need independent per-class scores; softmax scores compete (use mode 'sigmoid' or 'cosine')",
      "threshold",
    );
  }
  const t = new Float64Array(labels.length).fill(threshold ?? Number.NEGATIVE_INFINITY);
  for (const [label, value] of Object.entries(classThresholds ?? {})) {
    const i = labels.indexOf(label);
    if (i < 0) throw bad(`classThresholds names unknown label ${JSON.stringify(label)}`, "classThresholds");
    t[i] = value;
  }
  return t;
}

/**
 * Classifies each embedded image against the head's classes. Rows need not be normalised: the
 * cosine is computed from the raw rows. Throws `SPACE_MISMATCH` for embeddings from another model.
 */
export function classifyEmbeddings(
  head: ZeroShotHead,
  embeddings: Embeddings,
  options: ClassifyOptions = {},
): Classification[] {
  const cos = head.cosines(embeddings);
  const { mode, scale, bias } = resolveScoring(head, options);
  const thresholds = thresholdsFor(head.labels, options, mode);
  const n = head.labels.length;
  const k = options.topK ?? (thresholds ? n : 5);
  if (!Number.isInteger(k) || k < 1) throw bad(`topK must be a positive integer, got ${k}`, "topK");
  const out: Classification[] = [];
  for (let i = 0; i < embeddings.count; i++) {
    const c = cos.subarray(i * n, (i + 1) * n);
    const logits = new Float64Array(n);
    for (let j = 0; j < n; j++) logits[j] = scale * c[j]! + bias;
    let scores: ArrayLike<number>;
    if (mode === "softmax") scores = softmax(logits);
    else if (mode === "sigmoid") scores = logits.map(sigmoid);
    else scores = c;
    let ranked = topK(scores, Math.min(k, n));
    if (thresholds) ranked = ranked.filter((r) => r.score >= thresholds[r.index]!);
    out.push({
      top: ranked.map(({ index }) => ({
        label: head.labels[index]!,
        index,
        score: scores[index]!,
        logit: logits[index]!,
        cosine: c[index]!,
      })),
      ood: outOfDomainSignal(c, head.scoring, options.ood),
    });
  }
  return out;
}
