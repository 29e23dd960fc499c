import { ClipkitError } from "../errors.js";
import { type Coefficients, computeCoefficients, HALF, PRECISION_BITS } from "./coefficients.js";
import { simdPasses } from "./simd.js";
import type { RawImage, ResampleFilter } from "./types.js";

// A port of Pillow's `libImaging/Resample.c` (8 bits per channel): separable convolution, the
// kernel stretched by the downscale factor (antialiasing), coefficients in 22-bit fixed point,
// horizontal pass first, uint8 rounding and clamping between the passes. Matching Pillow bit for
// bit is the point: CLIP checkpoints were trained on Pillow's output.

function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : Math.min(v, 255);
}

// The hot loops keep sums in int32 (`| 0`): |sum| < 255 · 1.4 · 2^22 < 2^31 for every Pillow kernel,
// so this is exact, and V8 then never falls back to float arithmetic. Sources are plain Uint8Array
// so the element loads stay monomorphic.

/** Horizontal pass over source rows `[y0, y0 + rows)`, output columns `[x0, x0 + outW)`, all channels. */
function horizontal(
  src: Uint8Array,
  inW: number,
  c: number,
  y0: number,
  rows: number,
  x0: number,
  outW: number,
  co: Coefficients,
): Uint8Array {
  const out = new Uint8Array(outW * rows * c);
  const { ksize, bounds, weights } = co;
  for (let y = 0; y < rows; y++) {
    const rowIn = (y + y0) * inW * c;
    let o = y * outW * c;
    for (let xx = x0; xx < x0 + outW; xx++) {
      const n = bounds[xx * 2 + 1]!;
      const kOff = xx * ksize;
      let p = rowIn + bounds[xx * 2]! * c;
      if (c === 3) {
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        for (let x = 0; x < n; x++, p += 3) {
          const k = weights[kOff + x]!;
          s0 = (s0 + src[p]! * k) | 0;
          s1 = (s1 + src[p + 1]! * k) | 0;
          s2 = (s2 + src[p + 2]! * k) | 0;
        }
        out[o] = clip8(s0);
        out[o + 1] = clip8(s1);
        out[o + 2] = clip8(s2);
        o += 3;
      } else {
        for (let ch = 0; ch < c; ch++) {
          let ss = HALF;
          for (let x = 0, q = p + ch; x < n; x++, q += c) ss = (ss + src[q]! * weights[kOff + x]!) | 0;
          out[o++] = clip8(ss);
        }
      }
    }
  }
  return out;
}

/** Vertical pass for output rows `[y0, y0 + outH)`; `src` starts at source row `yShift`. */
function vertical(
  src: Uint8Array,
  width: number,
  c: number,
  y0: number,
  outH: number,
  yShift: number,
  co: Coefficients,
  sink: RowSink,
): void {
  const stride = width * c;
  const row = new Uint8Array(stride);
  const acc = new Int32Array(stride);
  const { ksize, bounds, weights } = co;
  for (let yy = 0; yy < outH; yy++) {
    const r = yy + y0;
    const ymin = bounds[r * 2]! - yShift;
    const n = bounds[r * 2 + 1]!;
    const kOff = r * ksize;
    // Row-at-a-time accumulation reads the source sequentially instead of striding down columns.
    const k0 = weights[kOff]!;
    const first = ymin * stride;
    for (let i = 0; i < stride; i++) acc[i] = (HALF + src[first + i]! * k0) | 0;
    for (let y = 1; y < n; y++) {
      const k = weights[kOff + y]!;
      const base = (ymin + y) * stride;
      for (let i = 0; i < stride; i++) acc[i] = (acc[i]! + src[base + i]! * k) | 0;
    }
    for (let i = 0; i < stride; i++) row[i] = clip8(acc[i]!);
    sink(yy, row);
  }
}

/** Hands each row of a computed `rows × stride` buffer to `sink`. */
function emitRows(data: Uint8Array, rows: number, stride: number, sink: RowSink): void {
  for (let y = 0; y < rows; y++) sink(y, data.subarray(y * stride, (y + 1) * stride));
}

/** Copies rows `[y0, y0 + rows)`, columns `[x0, x0 + w)`. */
function cut(
  src: Uint8Array,
  inW: number,
  c: number,
  y0: number,
  rows: number,
  x0: number,
  w: number,
): Uint8Array {
  const out = new Uint8Array(rows * w * c);
  for (let y = 0; y < rows; y++) {
    const from = ((y0 + y) * inW + x0) * c;
    out.set(src.subarray(from, from + w * c), y * w * c);
  }
  return out;
}

/** A plain Uint8Array view (not a Buffer or Uint8ClampedArray), so element access stays monomorphic. */
function asBytes(data: Uint8Array | Uint8ClampedArray): Uint8Array {
  return data.constructor === Uint8Array
    ? data
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Pillow's nearest resize (an affine scale with positions accumulated in doubles, `ImagingScaleAffine`). */
function nearest(image: RawImage, outW: number, outH: number, win: ResizeWindow): Uint8Array {
  const { data, width, height, channels: c } = image;
  const out = new Uint8Array(win.width * win.height * c);
  const ax = width / outW;
  const ay = height / outH;
  const xin = new Int32Array(outW);
  let xo = ax * 0.5;
  for (let x = 0; x < outW; x++, xo += ax) xin[x] = Math.min(width - 1, Math.trunc(xo));
  let yo = ay * 0.5;
  let o = 0;
  for (let y = 0; y < win.top + win.height; y++, yo += ay) {
    if (y < win.top) continue;
    const row = Math.min(height - 1, Math.trunc(yo)) * width * c;
    for (let x = win.left; x < win.left + win.width; x++) {
      const p = row + xin[x]! * c;
      for (let ch = 0; ch < c; ch++) out[o++] = data[p + ch]!;
    }
  }
  return out;
}

/** The part of a resized image to compute (output pixel coordinates). */
export interface ResizeWindow {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

function checkSize(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ClipkitError("INVALID_ARGUMENT", `${name} must be an integer in [${min}, ${max}], got ${v}`, {
      details: { argument: name },
    });
  }
}

/** Validates the target size and window; returns the window (the whole image by default). */
function checkWindow(width: number, height: number, window: ResizeWindow | undefined): ResizeWindow {
  checkSize("width", width, 1, Number.MAX_SAFE_INTEGER);
  checkSize("height", height, 1, Number.MAX_SAFE_INTEGER);
  const win = window ?? { left: 0, top: 0, width, height };
  checkSize("window.left", win.left, 0, width - 1);
  checkSize("window.top", win.top, 0, height - 1);
  checkSize("window.width", win.width, 1, width - win.left);
  checkSize("window.height", win.height, 1, height - win.top);
  return win;
}

/** Options for {@link resample} and {@link resampleRows}. */
export interface ResampleOptions {
  /**
   * Use the WebAssembly SIMD passes where the runtime has them (default true). Both paths give
   * identical bytes; false forces the TypeScript passes.
   */
  readonly simd?: boolean;
}

/**
 * Receives one output row (interleaved channels) of a resize. The buffer may be reused for the
 * next row (and is scratch memory shared with the SIMD passes): copy what you keep before
 * returning, and do not start another resize from inside the sink.
 */
export type RowSink = (y: number, row: Uint8Array) => void;

/**
 * {@link resample} that streams rows of the window to `sink` instead of building an image, so a
 * caller (the preprocessor) can convert each row while it is still in cache.
 *
 * @throws ClipkitError `INVALID_ARGUMENT` as {@link resample}.
 */
export function resampleRows(
  image: RawImage,
  width: number,
  height: number,
  filter: ResampleFilter,
  window: ResizeWindow | undefined,
  sink: RowSink,
  options: ResampleOptions = {},
): void {
  const win = checkWindow(width, height, window);
  const { width: inW, height: inH, channels: c } = image;
  const src = asBytes(image.data);
  const stride = win.width * c;
  if (inW === width && inH === height) {
    emitRows(cut(src, inW, c, win.top, win.height, win.left, win.width), win.height, stride, sink);
    return;
  }
  if (filter === "nearest") {
    emitRows(nearest(image, width, height, win), win.height, stride, sink);
    return;
  }

  const coV = height !== inH ? computeCoefficients(inH, height, filter) : null;
  // Source rows the window reads (Pillow's bounding-box optimisation, narrowed to the window).
  let y0 = win.top;
  let y1 = win.top + win.height;
  if (coV) {
    const last = win.top + win.height - 1;
    y0 = coV.bounds[win.top * 2]!;
    y1 = coV.bounds[last * 2]! + coV.bounds[last * 2 + 1]!;
  }
  const coH = width !== inW ? computeCoefficients(inW, width, filter) : null;
  if (options.simd !== false && withSimd(src, inW, c, y0, y1, win, coH, coV, sink)) return;
  const rows = coH
    ? horizontal(src, inW, c, y0, y1 - y0, win.left, win.width, coH)
    : cut(src, inW, c, y0, y1 - y0, win.left, win.width);
  if (coV) vertical(rows, win.width, c, win.top, win.height, y0, coV, sink);
  else emitRows(rows, win.height, stride, sink);
}

/**
 * Both passes on WebAssembly SIMD over one scratch memory: source rows `[y0, y1)`, the window's
 * coefficient rows, the horizontal result, the output. Returns false where SIMD is unavailable.
 * (The horizontal SIMD pass needs 3 or 4 channels; 1–2 channel images filter horizontally in
 * TypeScript and vertically in SIMD.)
 */
function withSimd(
  src: Uint8Array,
  inW: number,
  c: number,
  y0: number,
  y1: number,
  win: ResizeWindow,
  coH: Coefficients | null,
  coV: Coefficients | null,
  sink: RowSink,
): boolean {
  const rows = y1 - y0;
  const stride = win.width * c;
  const simdH = coH !== null && (c === 3 || c === 4);
  const at = (n: number) => (n + 19) & ~3; // 16 bytes of slack (whole-vector loads/stores), 4-byte aligned
  const srcAt = 0;
  const hbAt = at(srcAt + (simdH ? rows * inW * c : 0));
  const hwAt = at(hbAt + (simdH ? win.width * 8 : 0));
  const midAt = at(hwAt + (simdH && coH ? win.width * coH.ksize * 4 : 0));
  const vbAt = at(midAt + rows * stride);
  const vwAt = at(vbAt + (coV ? win.height * 8 : 0));
  const outAt = at(vwAt + (coV ? win.height * coV.ksize * 4 : 0));
  const simd = simdPasses(at(outAt + win.height * stride));
  if (!simd) return false;
  const mem = new Uint8Array(simd.memory.buffer);
  const ints = (offset: number, values: Int32Array) =>
    new Int32Array(simd.memory.buffer, offset, values.length).set(values);
  if (simdH && coH) {
    mem.set(src.subarray(y0 * inW * c, y1 * inW * c), srcAt);
    ints(hbAt, coH.bounds.subarray(win.left * 2, (win.left + win.width) * 2));
    ints(hwAt, coH.weights.subarray(win.left * coH.ksize, (win.left + win.width) * coH.ksize));
    simd.hpass(srcAt, inW * c, rows, win.width, hbAt, hwAt, coH.ksize * 4, c, midAt);
  } else {
    const mid = coH
      ? horizontal(src, inW, c, y0, rows, win.left, win.width, coH)
      : cut(src, inW, c, y0, rows, win.left, win.width);
    mem.set(mid, midAt);
  }
  if (!coV) {
    emitRows(mem.subarray(midAt, midAt + rows * stride), win.height, stride, sink);
    return true;
  }
  ints(vbAt, coV.bounds.subarray(win.top * 2, (win.top + win.height) * 2));
  ints(vwAt, coV.weights.subarray(win.top * coV.ksize, (win.top + win.height) * coV.ksize));
  simd.vpass(midAt, stride, win.height, vbAt, vwAt, coV.ksize * 4, y0, outAt);
  emitRows(mem.subarray(outAt, outAt + win.height * stride), win.height, stride, sink);
  return true;
}

/**
 * Resizes interleaved 8-bit pixels to `width × height` exactly as Pillow's `Image.resize` does
 * for modes L/RGB (every channel filtered independently; Pillow resizes RGBA and LA
 * premultiplied, see `premultiply`).
 *
 * With `window`, only that rectangle of the resized image is computed and returned, with the
 * same values a full resize would have there: a centre crop need not pay for the pixels it drops.
 *
 * @throws ClipkitError `INVALID_ARGUMENT` for a non-positive or non-integer size, or a window
 * outside the resized image.
 */
export function resample(
  image: RawImage,
  width: number,
  height: number,
  filter: ResampleFilter,
  window?: ResizeWindow,
  options: ResampleOptions = {},
): RawImage {
  const win = checkWindow(width, height, window);
  const c = image.channels;
  const stride = win.width * c;
  const data = new Uint8Array(win.height * stride);
  resampleRows(image, width, height, filter, window, (y, row) => data.set(row, y * stride), options);
  return { width: win.width, height: win.height, channels: c, data };
}
