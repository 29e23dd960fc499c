/**
 * CLIP_benchmark-style metrics over precomputed score matrices. Pure functions: the model runs
 * elsewhere, so these are exact and cheap to test.
 */
import { ClipkitError, topK } from "@clipkit/core";

/** Zero-shot classification results (fractions in [0, 1]). */
export interface ZeroShotMetrics {
  /** Top-k accuracy for each requested k, keyed by k. */
  readonly topK: Readonly<Record<number, number>>;
  /** Mean over classes that have images of the fraction of their images ranked top-1. */
  readonly meanPerClassRecall: number;
  readonly images: number;
  readonly classes: number;
  /** What a uniformly random ranking scores: k / classes for top-k, 1 / classes for recall. */
  readonly chance: { readonly topK: Readonly<Record<number, number>>; readonly meanPerClassRecall: number };
}

/** Retrieval results: recall@k both ways (fractions). */
export interface RetrievalMetrics {
  /** Text→image: per caption, is its image among the top k images. */
  readonly textToImage: Readonly<Record<number, number>>;
  /** Image→text: per image, is any of its captions among the top k captions. */
  readonly imageToText: Readonly<Record<number, number>>;
  readonly images: number;
  readonly captions: number;
  readonly chance: {
    readonly textToImage: Readonly<Record<number, number>>;
    readonly imageToText: Readonly<Record<number, number>>;
  };
}

function checkKs(ks: readonly number[]): void {
  if (ks.length === 0 || !ks.every((k) => Number.isInteger(k) && k >= 1)) {
    throw new ClipkitError("INVALID_ARGUMENT", `k values must be positive integers, got ${ks.join(",")}`, {
      details: { argument: "ks" },
    });
  }
}

function checkShape(scores: Float32Array, rows: number, cols: number, what: string): void {
  if (scores.length !== rows * cols || cols === 0) {
    throw new ClipkitError("SHAPE_MISMATCH", `${what}: ${scores.length} scores for ${rows} × ${cols}`, {
      details: { expected: rows * cols, actual: scores.length },
    });
  }
}

/**
 * Zero-shot metrics from an `images × classes` score matrix and each image's true class index.
 * Ties rank the lower class index first (core `topK`), so results are deterministic.
 */
export function zeroShotMetrics(
  scores: Float32Array,
  labels: ArrayLike<number>,
  classes: number,
  ks: readonly number[] = [1, 5],
): ZeroShotMetrics {
  checkKs(ks);
  const n = labels.length;
  checkShape(scores, n, classes, "zeroShotMetrics");
  const maxK = Math.max(...ks);
  const hits: Record<number, number> = Object.fromEntries(ks.map((k) => [k, 0]));
  const perClass = new Map<number, { n: number; hit: number }>();
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new ClipkitError("INVALID_ARGUMENT", `label ${label} of image ${i} is not a class index`, {
        details: { argument: "labels", index: i },
      });
    }
    const ranked = topK(scores.subarray(i * classes, (i + 1) * classes), maxK);
    const rank = ranked.findIndex((r) => r.index === label);
    for (const k of ks) if (rank !== -1 && rank < k) hits[k]! += 1;
    const c = perClass.get(label) ?? { n: 0, hit: 0 };
    c.n += 1;
    if (rank === 0) c.hit += 1;
    perClass.set(label, c);
  }
  let recall = 0;
  for (const c of perClass.values()) recall += c.hit / c.n;
  return {
    topK: Object.fromEntries(ks.map((k) => [k, n === 0 ? 0 : hits[k]! / n])),
    meanPerClassRecall: perClass.size === 0 ? 0 : recall / perClass.size,
    images: n,
    classes,
    chance: {
      topK: Object.fromEntries(ks.map((k) => [k, Math.min(k, classes) / classes])),
      meanPerClassRecall: 1 / classes,
    },
  };
}

/** P(at least one of `good` marked items is among `k` drawn uniformly from `total`). */
function chanceAnyInTopK(good: number, total: number, k: number): number {
  let none = 1;
  for (let j = 0; j < Math.min(k, total); j++) none *= Math.max(0, total - good - j) / (total - j);
  return 1 - none;
}

/**
 * Retrieval metrics from a `captions × images` score matrix and each caption's image index.
 */
export function retrievalMetrics(
  scores: Float32Array,
  captionImage: ArrayLike<number>,
  images: number,
  ks: readonly number[] = [1, 5, 10],
): RetrievalMetrics {
  checkKs(ks);
  const nc = captionImage.length;
  checkShape(scores, nc, images, "retrievalMetrics");
  const maxK = Math.max(...ks);
  const t2i: Record<number, number> = Object.fromEntries(ks.map((k) => [k, 0]));
  const captionsOf = new Int32Array(images);
  for (let c = 0; c < nc; c++) {
    const img = captionImage[c]!;
    if (!Number.isInteger(img) || img < 0 || img >= images) {
      throw new ClipkitError("INVALID_ARGUMENT", `caption ${c} points at image ${img}, not an image index`, {
        details: { argument: "captionImage", index: c },
      });
    }
    captionsOf[img]! += 1;
    const rank = topK(scores.subarray(c * images, (c + 1) * images), maxK).findIndex((r) => r.index === img);
    for (const k of ks) if (rank !== -1 && rank < k) t2i[k]! += 1;
  }
  const i2t: Record<number, number> = Object.fromEntries(ks.map((k) => [k, 0]));
  const column = new Float32Array(nc);
  for (let i = 0; i < images; i++) {
    for (let c = 0; c < nc; c++) column[c] = scores[c * images + i]!;
    const ranked = topK(column, maxK);
    const first = ranked.findIndex((r) => captionImage[r.index] === i);
    for (const k of ks) if (first !== -1 && first < k) i2t[k]! += 1;
  }
  const chanceI2t: Record<number, number> = {};
  for (const k of ks) {
    let sum = 0;
    for (let i = 0; i < images; i++) sum += chanceAnyInTopK(captionsOf[i]!, nc, k);
    chanceI2t[k] = sum / images;
  }
  return {
    textToImage: Object.fromEntries(ks.map((k) => [k, nc === 0 ? 0 : t2i[k]! / nc])),
    imageToText: Object.fromEntries(ks.map((k) => [k, i2t[k]! / images])),
    images,
    captions: nc,
    chance: {
      textToImage: Object.fromEntries(ks.map((k) => [k, Math.min(k, images) / images])),
      imageToText: chanceI2t,
    },
  };
}
