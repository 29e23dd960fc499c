import { createEmbeddings, type EmbeddingSpace } from "../embeddings.js";
import { ZeroShotHead } from "../zeroshot/head.js";
import type { LabelledEmbeddings } from "./data.js";
import { type Random, seededRandom } from "./rng.js";

/** Test space (not a real model). */
export const SPACE: EmbeddingSpace = { id: "test/clusters", dim: 16, normalized: true };

function gaussian(random: Random): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function unit(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** Class centres: `classes` random unit vectors in `dim` dimensions. */
export function centres(classes: number, dim: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: classes }, () =>
    unit(Float32Array.from({ length: dim }, () => gaussian(random))),
  );
}

/**
 * `shots` noisy normalised samples around each centre (noise `sigma` per coordinate), labelled
 * `c0`, `c1`, … in class-major order.
 */
export function clusters(
  cs: readonly Float32Array[],
  shots: number,
  sigma: number,
  seed: number,
  space: EmbeddingSpace = { ...SPACE, dim: cs[0]!.length },
): LabelledEmbeddings {
  const random = seededRandom(seed);
  const dim = space.dim;
  const data = new Float32Array(cs.length * shots * dim);
  const labels: string[] = [];
  cs.forEach((centre, k) => {
    for (let s = 0; s < shots; s++) {
      const row = unit(centre.map((x) => x + sigma * gaussian(random)));
      data.set(row, labels.length * dim);
      labels.push(`c${k}`);
    }
  });
  return { embeddings: createEmbeddings(data, labels.length, space), labels };
}

/** A zero-shot head whose class weights are the centres perturbed by `sigma` (imperfect "text" embeddings). */
export function zeroShotFor(
  cs: readonly Float32Array[],
  sigma: number,
  seed: number,
  space: EmbeddingSpace = { ...SPACE, dim: cs[0]!.length },
): ZeroShotHead {
  const random = seededRandom(seed);
  const weights = new Float32Array(cs.length * space.dim);
  cs.forEach((c, k) => {
    weights.set(unit(c.map((x) => x + sigma * gaussian(random))), k * space.dim);
  });
  return new ZeroShotHead({
    labels: cs.map((_, k) => `c${k}`),
    weights,
    space,
    scoring: { kind: "softmax", logitScale: 50 },
    promptsHash: "test",
  });
}

/** Accuracy of predicted top-1 labels against `labels`. */
export function accuracyOf(predicted: readonly string[], labels: LabelledEmbeddings["labels"]): number {
  let ok = 0;
  predicted.forEach((p, i) => {
    if (p === labels[i]) ok++;
  });
  return ok / predicted.length;
}
