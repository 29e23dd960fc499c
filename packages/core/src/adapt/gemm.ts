import { createSimdDot, type SimdDot } from "../retrieval/simd-dot.js";

/**
 * Dense products for the adapters' training loops. Both shapes the solvers need reduce to
 * `A · Bᵀ` over row-major buffers, which the retrieval code already has as a WebAssembly SIMD
 * kernel; float64 buffers use a plain JavaScript loop (exact enough for finite-difference tests).
 */

/** Rows of `A` sent to the SIMD kernel per call: bounds its linear memory. */
const ROW_CHUNK = 256;

let kernel: SimdDot | null | undefined;

function simd(): SimdDot | undefined {
  if (kernel === undefined) kernel = createSimdDot() ?? null;
  return kernel ?? undefined;
}

/**
 * `out[i·n + j] = Σ_k a[i·k + k'] · b[j·k + k']`: the `m × n` product `A · Bᵀ` of a row-major
 * `m × k` matrix and a row-major `n × k` matrix. Float32 inputs with `k % 4 === 0` run on the SIMD
 * kernel (float32 accumulation) unless `useSimd` is false.
 */
export function matmulABt(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  m: number,
  n: number,
  k: number,
  out: Float32Array | Float64Array = new Float64Array(m * n),
  useSimd = true,
): Float32Array | Float64Array {
  if (m === 0 || n === 0) return out;
  const s =
    useSimd && k % 4 === 0 && a instanceof Float32Array && b instanceof Float32Array ? simd() : undefined;
  if (s && k > K_BLOCK) {
    splitK(s, a as Float32Array, b as Float32Array, m, n, k, out);
    return out;
  }
  if (s) {
    simdABt(s, a as Float32Array, b as Float32Array, m, n, k, out);
    return out;
  }
  for (let i = 0; i < m; i++) {
    const ao = i * k;
    for (let j = 0; j < n; j++) {
      const bo = j * k;
      let s0 = 0;
      let s1 = 0;
      let p = 0;
      for (; p + 1 < k; p += 2) {
        s0 += a[ao + p]! * b[bo + p]!;
        s1 += a[ao + p + 1]! * b[bo + p + 1]!;
      }
      if (p < k) s0 += a[ao + p]! * b[bo + p]!;
      out[i * n + j] = s0 + s1;
    }
  }
  return out;
}

/**
 * Whether {@link matmulABt} on float32 inputs with reduction length `k` produces float32 values
 * (the SIMD kernel without a split reduction), so a float32 destination loses nothing.
 */
export function kernelRoundsToFloat32(k: number): boolean {
  return k % 4 === 0 && k <= K_BLOCK && simd() !== undefined;
}

/** Longest reduction the kernel runs in one go; longer ones are split (see {@link splitK}). */
const K_BLOCK = 1024;

/**
 * A long reduction (the probe's gradient Gᵀ·X sums over every training row) in slices of
 * `K_BLOCK`: each slice of `A` and `B` is packed contiguous, multiplied on the kernel and added
 * into `out`, so the rows the kernel streams stay cache-sized instead of 64 KiB each.
 */
function splitK(
  s: SimdDot,
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  out: Float32Array | Float64Array,
): void {
  out.fill(0, 0, m * n);
  const part = new Float32Array(m * n);
  for (let k0 = 0; k0 < k; k0 += K_BLOCK) {
    const kc = Math.min(K_BLOCK, k - k0);
    const as = new Float32Array(m * kc);
    const bs = new Float32Array(n * kc);
    for (let i = 0; i < m; i++) as.set(a.subarray(i * k + k0, i * k + k0 + kc), i * kc);
    for (let j = 0; j < n; j++) bs.set(b.subarray(j * k + k0, j * k + k0 + kc), j * kc);
    simdABt(s, as, bs, m, n, kc, part);
    for (let t = 0; t < m * n; t++) out[t]! += part[t]!;
  }
}

/** Rows of `B` scored per kernel call: a 128 × 512 float32 block (256 KiB) stays in L2. */
const B_BLOCK = 128;

/**
 * `A · Bᵀ` on the register-tiled SIMD kernel: `B` is copied into kernel memory once, then each
 * chunk of `A` rows is scored against `B` one L2-sized block at a time (streaming all of `B` per
 * four rows of `A` made the product memory-bound).
 */
function simdABt(
  s: SimdDot,
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  out: Float32Array | Float64Array,
): void {
  const rows = Math.min(ROW_CHUNK, m);
  const bBytes = n * k * 4;
  const aBytes = rows * k * 4;
  const block = Math.min(B_BLOCK, n);
  s.reserve(bBytes + aBytes + rows * block * 4);
  let heap = s.heap();
  heap.set(b.subarray(0, n * k), 0);
  const o = (bBytes + aBytes) / 4;
  for (let i0 = 0; i0 < m; i0 += rows) {
    const r = Math.min(rows, m - i0);
    heap.set(a.subarray(i0 * k, (i0 + r) * k), bBytes / 4);
    for (let j0 = 0; j0 < n; j0 += block) {
      const w = Math.min(block, n - j0);
      s.scores(bBytes, r, j0 * k * 4, w, k, bBytes + aBytes);
      heap = s.heap();
      // Typed-array copies (a memcpy into float32, exact widening into float64), not a JS loop.
      for (let i = 0; i < r; i++) out.set(heap.subarray(o + i * w, o + (i + 1) * w), (i0 + i) * n + j0);
    }
  }
}

/** Transpose of a row-major `rows × cols` matrix, padded with zero columns to `padTo` (≥ rows). */
export function transpose(
  a: Float32Array | Float64Array,
  rows: number,
  cols: number,
  padTo = rows,
): Float32Array {
  const out = new Float32Array(cols * padTo);
  transposeInto(a, rows, cols, out, padTo);
  return out;
}

/** Side of the tiles {@link transposeInto} copies: 32 × 32 values keep reads and writes in cache. */
const TILE = 32;

/**
 * Writes the transpose of the row-major `rows × cols` matrix `a` into `out` (`cols × padTo`,
 * row stride `padTo`), tile by tile; columns `rows … padTo` of `out` are left as they are.
 */
export function transposeInto(
  a: Float32Array | Float64Array,
  rows: number,
  cols: number,
  out: Float32Array | Float64Array,
  padTo = rows,
): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(rows, i0 + TILE);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(cols, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) out[j * padTo + i] = a[i * cols + j]!;
      }
    }
  }
}

/** Smallest multiple of 4 at or above `n` (the SIMD kernel's row-length unit). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}
