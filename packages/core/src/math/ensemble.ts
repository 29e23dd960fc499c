import { ClipkitError } from "../errors.js";
import { normalizeRows } from "./vector.js";

/**
 * Template ensembling (open_clip's recipe): L2-normalise each of the `count` rows, average them,
 * and re-normalise the mean. Returns one unit vector of width `dim`.
 */
export function ensembleMean(rows: Float32Array, dim: number): Float32Array {
  if (dim <= 0 || rows.length === 0 || rows.length % dim !== 0) {
    throw new ClipkitError("SHAPE_MISMATCH", `ensembleMean needs at least one whole row of dim ${dim}`, {
      details: { length: rows.length, dim },
    });
  }
  const unit = normalizeRows(rows, dim);
  const count = rows.length / dim;
  const acc = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    const o = r * dim;
    for (let k = 0; k < dim; k++) acc[k]! += unit[o + k]!;
  }
  let n2 = 0;
  for (let k = 0; k < dim; k++) n2 += acc[k]! * acc[k]!;
  const n = Math.sqrt(n2);
  // Opposite prompts can cancel exactly; that is a degenerate ensemble, not a direction.
  if (!(n > 1e-12)) {
    throw new ClipkitError("ZERO_VECTOR", "ensembleMean: the normalised rows cancel out (mean is zero)");
  }
  const out = new Float32Array(dim);
  for (let k = 0; k < dim; k++) out[k] = acc[k]! / n;
  return out;
}
