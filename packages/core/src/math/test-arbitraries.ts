import fc from "fast-check";

/** A finite float in [-bound, bound], as a JS number (fast-check's float32 gives exact float32 values). */
export const finite = (bound = 10) =>
  fc
    .float({ min: -bound, max: bound, noNaN: true, noDefaultInfinity: true })
    .map((v) => (Object.is(v, -0) ? 0 : v));

/** A vector of `dim` finite floats whose norm is comfortably away from zero. */
export const nonZeroVector = (dim: number, bound = 10) =>
  fc.array(finite(bound), { minLength: dim, maxLength: dim }).filter((v) => Math.hypot(...v) > 1e-3);

/** `count × dim` row-major batch of non-zero rows. */
export const batch = (count: number, dim: number, bound = 10) =>
  fc
    .array(nonZeroVector(dim, bound), { minLength: count, maxLength: count })
    .map((rows) => Float32Array.from(rows.flat()));
