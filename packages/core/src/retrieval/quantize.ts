/**
 * Symmetric per-row int8 scalar quantisation: `x ≈ code · scale` with `scale = max|x| / 127`.
 * Per-row (not per-dimension) scales keep the dot product of two coded rows a plain integer sum
 * times two floats, which is what makes the int8 scan cheap.
 */
export function quantizeRowsInt8(
  src: Float32Array,
  dim: number,
  codes: Int8Array,
  scales: Float32Array,
  firstRow = 0,
): void {
  const rows = src.length / dim;
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let max = 0;
    for (let j = 0; j < dim; j++) {
      const a = Math.abs(src[o + j]!);
      if (a > max) max = a;
    }
    const scale = max / 127;
    const inv = scale > 0 ? 1 / scale : 0;
    const co = (firstRow + r) * dim;
    for (let j = 0; j < dim; j++) codes[co + j] = Math.round(src[o + j]! * inv);
    scales[firstRow + r] = scale;
  }
}

/** Quantises a query batch for the int8 scan; returns codes and per-row scales. */
export function quantizeQueriesInt8(
  src: Float32Array,
  dim: number,
): { codes: Int8Array; scales: Float32Array } {
  const rows = src.length / dim;
  const codes = new Int8Array(src.length);
  const scales = new Float32Array(rows);
  quantizeRowsInt8(src, dim, codes, scales);
  return { codes, scales };
}
