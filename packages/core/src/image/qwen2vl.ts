import { ClipkitError } from "../errors.js";

/** Qwen2-VL's patch rows for one image, as `Qwen2VLImageProcessor` returns them. */
export interface Qwen2VLPatches {
  /** `(gridH · gridW) × (3 · temporalPatchSize · patchSize²)` float32, row-major. */
  readonly data: Float32Array;
  readonly rows: number;
  readonly rowLength: number;
  /** `image_grid_thw`: `[1, gridH, gridW]`. */
  readonly gridThw: readonly [1, number, number];
}

/**
 * transformers' `Qwen2VLImageProcessor.patchify`: cuts the CHW image `preprocessImage` returned
 * for a Qwen2-VL config into `patchSize²` patches grouped `mergeSize × mergeSize`, each patch
 * repeated `temporalPatchSize` times (a still image as a clip). Row order: merge groups row by
 * row, patches inside a group row by row; within a row: channel, time, patch row, patch column.
 *
 * @throws ClipkitError `INVALID_ARGUMENT` when the sides are not multiples of `patchSize · mergeSize`
 * or `chw` does not hold `3 · height · width` values.
 */
export function qwen2vlPatchify(
  chw: Float32Array,
  height: number,
  width: number,
  options: { readonly patchSize: number; readonly mergeSize: number; readonly temporalPatchSize: number },
): Qwen2VLPatches {
  const { patchSize: p, mergeSize: m, temporalPatchSize: t } = options;
  const factor = p * m;
  if (height % factor !== 0 || width % factor !== 0 || chw.length !== 3 * height * width) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `qwen2vlPatchify: a 3 × ${height} × ${width} image (${chw.length} values) is not a multiple of ${factor} per side`,
      { details: { argument: "chw", height, width } },
    );
  }
  const gh = height / p;
  const gw = width / p;
  const rowLength = 3 * t * p * p;
  const data = new Float32Array(gh * gw * rowLength);
  const plane = height * width;
  let o = 0;
  // (gh/m, gw/m, m, m) patch order, then (C, T, P, P) inside a row.
  for (let by = 0; by < gh / m; by++) {
    for (let bx = 0; bx < gw / m; bx++) {
      for (let my = 0; my < m; my++) {
        for (let mx = 0; mx < m; mx++) {
          const top = (by * m + my) * p;
          const left = (bx * m + mx) * p;
          for (let c = 0; c < 3; c++) {
            const start = o;
            for (let y = 0; y < p; y++) {
              const from = c * plane + (top + y) * width + left;
              data.set(chw.subarray(from, from + p), o);
              o += p;
            }
            for (let k = 1; k < t; k++) {
              data.copyWithin(o, start, start + p * p);
              o += p * p;
            }
          }
        }
      }
    }
  }
  return { data, rows: gh * gw, rowLength, gridThw: [1, gh, gw] };
}
