import { ClipkitError } from "../errors.js";
import type { ResampleFilter } from "./types.js";

// Pillow's resampling kernels and its fixed-point coefficient tables (libImaging/Resample.c),
// evaluated in the same order and precision so the rounded weights come out identical.

/** Pillow's `PRECISION_BITS = 32 - 8 - 2`. */
export const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
/** Rounding offset every fixed-point sum starts from. */
export const HALF = 1 << (PRECISION_BITS - 1);

interface Kernel {
  readonly support: number;
  readonly fn: (x: number) => number;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

// Float32 constants, as the C source writes `0.54f + 0.46f * cos(x)`.
const HAMMING_A = Math.fround(0.54);
const HAMMING_B = Math.fround(0.46);

const KERNELS: Record<Exclude<ResampleFilter, "nearest">, Kernel> = {
  box: { support: 0.5, fn: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: {
    support: 1,
    fn: (x) => {
      const ax = Math.abs(x);
      return ax < 1 ? 1 - ax : 0;
    },
  },
  hamming: {
    support: 1,
    fn: (x) => {
      const ax = Math.abs(x);
      if (ax === 0) return 1;
      if (ax >= 1) return 0;
      const px = ax * Math.PI;
      return (Math.sin(px) / px) * (HAMMING_A + HAMMING_B * Math.cos(px));
    },
  },
  bicubic: {
    support: 2,
    fn: (x) => {
      // Keys cubic with a = -0.5, written exactly as Pillow evaluates it.
      const a = -0.5;
      const ax = Math.abs(x);
      if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
      if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * a;
      return 0;
    },
  },
  lanczos: { support: 3, fn: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

/** Per output index: first source index, tap count, and `ksize` fixed-point weights. */
export interface Coefficients {
  readonly ksize: number;
  readonly bounds: Int32Array;
  readonly weights: Int32Array;
}

/** Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for a resize of `inSize` to `outSize`. */
export function computeCoefficients(inSize: number, outSize: number, filter: ResampleFilter): Coefficients {
  if (filter === "nearest") {
    throw new ClipkitError("INVALID_ARGUMENT", "nearest has no convolution coefficients", {
      details: { argument: "filter" },
    });
  }
  const kernel = KERNELS[filter];
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = kernel.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const tmp = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's `(int)` truncates toward zero; the clamps make that equal to Pillow's rounding.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = kernel.fn((x + xmin - center + 0.5) * ss);
      tmp[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const k = ww !== 0 ? tmp[x]! / ww : tmp[x]!;
      weights[xx * ksize + x] = k < 0 ? Math.trunc(-0.5 + k * ONE) : Math.trunc(0.5 + k * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}
