import { ClipkitError } from "../errors.js";
import { logSigmoid, sigmoid } from "./softmax.js";

/** A contrastive loss value with its analytic gradients. */
export interface ContrastiveLossResult {
  loss: number;
  /** ∂loss/∂imageEmbeddings, row-major `n × dim`. */
  gradImages: Float32Array;
  /** ∂loss/∂textEmbeddings, row-major `n × dim`. */
  gradTexts: Float32Array;
  /** ∂loss/∂logScale (the scale is parameterised as exp(logScale), as in CLIP and SigLIP). */
  gradLogScale: number;
}

export interface SigmoidLossResult extends ContrastiveLossResult {
  /** ∂loss/∂bias. */
  gradBias: number;
}

function pairShape(images: Float32Array, texts: Float32Array, dim: number, name: string): number {
  if (dim <= 0 || images.length !== texts.length || images.length % dim !== 0 || images.length === 0) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `${name}: images and texts must be equal, non-empty batches of dim ${dim} (got ${images.length} and ${texts.length} floats)`,
      { details: { images: images.length, texts: texts.length, dim } },
    );
  }
  return images.length / dim;
}

/** I·Tᵀ in float64: losses and their gradients are checked to 1e-3 against finite differences. */
function gram(a: Float32Array, b: Float32Array, n: number, dim: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += a[i * dim + k]! * b[j * dim + k]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

/** g (n×n) → scale · g · B (n×dim), or with `transpose` scale · gᵀ · B. */
function matmulScaled(
  g: Float64Array,
  b: Float32Array,
  n: number,
  dim: number,
  scale: number,
  transpose: boolean,
) {
  const out = new Float32Array(n * dim);
  const acc = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    for (let j = 0; j < n; j++) {
      const w = transpose ? g[j * n + i]! : g[i * n + j]!;
      if (w === 0) continue;
      const o = j * dim;
      for (let k = 0; k < dim; k++) acc[k]! += w * b[o + k]!;
    }
    for (let k = 0; k < dim; k++) out[i * dim + k] = scale * acc[k]!;
  }
  return out;
}

/**
 * CLIP's symmetric InfoNCE loss for `n` matched (image_i, text_i) pairs:
 * logits = exp(logScale) · I·Tᵀ; loss = ½ [CE(rows, diagonal) + CE(columns, diagonal)], each a
 * mean over the batch. Embeddings are used as given (CLIP normalises them before the loss).
 */
export function symmetricInfoNce(
  images: Float32Array,
  texts: Float32Array,
  dim: number,
  logScale: number,
): ContrastiveLossResult {
  const n = pairShape(images, texts, dim, "symmetricInfoNce");
  const scale = Math.exp(logScale);
  const sims = gram(images, texts, n, dim);
  const logits = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) logits[i] = scale * sims[i]!;

  // G = ∂loss/∂logits = ½ (softmax_rows − I)/n + ½ (softmax_cols − I)/n
  const g = new Float64Array(n * n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) max = Math.max(max, logits[i * n + j]!);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(logits[i * n + j]! - max);
    const lse = max + Math.log(sum);
    loss += (lse - logits[i * n + i]!) / (2 * n);
    for (let j = 0; j < n; j++) {
      g[i * n + j]! += (Math.exp(logits[i * n + j]! - lse) - (i === j ? 1 : 0)) / (2 * n);
    }
  }
  for (let j = 0; j < n; j++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) max = Math.max(max, logits[i * n + j]!);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(logits[i * n + j]! - max);
    const lse = max + Math.log(sum);
    loss += (lse - logits[j * n + j]!) / (2 * n);
    for (let i = 0; i < n; i++) {
      g[i * n + j]! += (Math.exp(logits[i * n + j]! - lse) - (i === j ? 1 : 0)) / (2 * n);
    }
  }
  let gradLogScale = 0;
  for (let i = 0; i < n * n; i++) gradLogScale += g[i]! * logits[i]!;
  return {
    loss,
    gradImages: matmulScaled(g, texts, n, dim, scale, false),
    gradTexts: matmulScaled(g, images, n, dim, scale, true),
    gradLogScale,
  };
}

/**
 * SigLIP's pairwise sigmoid loss: z_ij = exp(logScale) · I_i·T_j + bias, label +1 on the diagonal
 * and −1 elsewhere; loss = −(1/n) Σ_ij log σ(label_ij · z_ij).
 */
export function sigmoidLoss(
  images: Float32Array,
  texts: Float32Array,
  dim: number,
  logScale: number,
  bias: number,
): SigmoidLossResult {
  const n = pairShape(images, texts, dim, "sigmoidLoss");
  const scale = Math.exp(logScale);
  const sims = gram(images, texts, n, dim);
  const g = new Float64Array(n * n);
  let loss = 0;
  let gradLogScale = 0;
  let gradBias = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const y = i === j ? 1 : -1;
      const s = scale * sims[i * n + j]!;
      const z = s + bias;
      loss -= logSigmoid(y * z) / n;
      // d/dz [−log σ(y z)] = −y σ(−y z)
      const dz = (-y * sigmoid(-y * z)) / n;
      g[i * n + j] = dz;
      gradLogScale += dz * s;
      gradBias += dz;
    }
  }
  return {
    loss,
    gradImages: matmulScaled(g, texts, n, dim, scale, false),
    gradTexts: matmulScaled(g, images, n, dim, scale, true),
    gradLogScale,
    gradBias,
  };
}
