import { ClipkitError } from "../errors.js";
import type { ZeroShotHead } from "../zeroshot/head.js";
import { product, type Steps } from "./steps.js";

/** The zero-shot head's unit-norm class rows reordered to `classes` (`classes × dim`). */
export function zeroShotWeights(zs: ZeroShotHead, classes: readonly string[]): Float32Array {
  const d = zs.space.dim;
  const out = new Float32Array(classes.length * d);
  classes.forEach((label, k) => {
    const j = zs.labels.indexOf(label);
    if (j < 0) {
      throw new ClipkitError(
        "INVALID_ARGUMENT",
        `class ${JSON.stringify(label)} is not a label of the zero-shot head`,
        {
          details: { argument: "zeroShot", label },
        },
      );
    }
    out.set(zs.weights.subarray(j * d, (j + 1) * d), k * d);
  });
  return out;
}

/** `rows × classes` zero-shot logits `scale · x·wᵀ` of normalised rows. */
export function* zeroShotLogits(
  x: Float32Array,
  rows: number,
  weights: Float32Array,
  classes: number,
  dim: number,
  scale: number,
): Steps<Float64Array> {
  const z = yield* product(x, weights, rows, classes, dim);
  for (let t = 0; t < z.length; t++) z[t]! *= scale;
  return z;
}
