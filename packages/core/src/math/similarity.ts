import { assertSameSpace, type Embeddings } from "../embeddings.js";
import { ClipkitError } from "../errors.js";

/**
 * Dot products of every query row with every item row: a `queries × items` row-major matrix.
 * Both buffers are row-major with the same `dim`. On normalised rows this is the cosine matrix.
 */
export function similarityMatrix(
  queries: Float32Array,
  items: Float32Array,
  dim: number,
  out?: Float32Array,
): Float32Array {
  if (dim <= 0 || queries.length % dim !== 0 || items.length % dim !== 0) {
    throw new ClipkitError("SHAPE_MISMATCH", `similarityMatrix: buffers are not whole rows of dim ${dim}`, {
      details: { queries: queries.length, items: items.length, dim },
    });
  }
  const nq = queries.length / dim;
  const ni = items.length / dim;
  const result = out ?? new Float32Array(nq * ni);
  if (result.length !== nq * ni) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `similarityMatrix: out has ${result.length} slots, need ${nq * ni}`,
    );
  }
  for (let q = 0; q < nq; q++) {
    const qo = q * dim;
    for (let it = 0; it < ni; it++) {
      const io = it * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 3 < dim; k += 4) {
        s0 += queries[qo + k]! * items[io + k]!;
        s1 += queries[qo + k + 1]! * items[io + k + 1]!;
        s2 += queries[qo + k + 2]! * items[io + k + 2]!;
        s3 += queries[qo + k + 3]! * items[io + k + 3]!;
      }
      for (; k < dim; k++) s0 += queries[qo + k]! * items[io + k]!;
      result[q * ni + it] = s0 + s1 + s2 + s3;
    }
  }
  return result;
}

/** Similarity between two `Embeddings` batches of the same space (throws `SPACE_MISMATCH` otherwise). */
export function similarity(queries: Embeddings, items: Embeddings): Float32Array {
  assertSameSpace(queries.space, items.space, "similarity");
  return similarityMatrix(queries.data, items.data, queries.dim);
}
