import { TopKHeap } from "../math/topk.js";
import { createSimdDot, type SimdDot } from "./simd-dot.js";

/**
 * Item rows per block. A block of 512-wide float32 rows is 256 KiB: it stays in L2 while every
 * query block passes over it, so each item row comes from memory once per search call rather than
 * once per query (the batched-query speed-up).
 */
const ITEM_BLOCK = 128;
/** Queries scored together against each item row: the row is loaded once for all of them. */
const QUERY_BLOCK = 4;

/** Numeric rows the kernels accept: float32 originals or int8 codes. */
export type RowBuffer = Float32Array | Int8Array;

/** Inputs of {@link scanTopK}. */
export interface ScanInput {
  /** `nq × dim` query rows (same element type as `items`). */
  readonly queries: RowBuffer;
  /** `ni × dim` item rows. */
  readonly items: RowBuffer;
  readonly nq: number;
  readonly ni: number;
  readonly dim: number;
  /** Per-row factors applied to the raw dot product (int8 scales); omitted for float32. */
  readonly queryScale?: Float32Array;
  readonly itemScale?: Float32Array;
  /** Rows with `allowed[i] === 0` are skipped (metadata filters); omitted means all rows. */
  readonly allowed?: Uint8Array;
  /** Use the WebAssembly SIMD kernels when available (default true; float32 needs dim % 4 === 0, int8 dim % 16 === 0). */
  readonly simd?: boolean;
}

/** Queries per SIMD call: bounds the kernel's memory (queries + scores) for huge batches. */
const SIMD_QUERY_CHUNK = 256;

/**
 * Exact maximum-inner-product top-k for a batch of queries: one bounded heap per query, filled by a
 * blocked kernel (query blocks × item blocks, 4 queries × 2 items per inner loop so each loaded
 * value feeds several multiply-adds). Ties keep the lower row index, matching {@link TopKHeap}.
 */
export function scanTopK(input: ScanInput, k: number): TopKHeap[] {
  const { nq, ni } = input;
  const heaps: TopKHeap[] = [];
  for (let q = 0; q < nq; q++) heaps.push(new TopKHeap(Math.min(k, ni)));
  if (k === 0 || ni === 0) return heaps;
  const f32 = input.items instanceof Float32Array && input.queries instanceof Float32Array;
  if (input.simd !== false && input.dim % (f32 ? 4 : 16) === 0) {
    const kernel = createSimdDot();
    if (kernel) {
      simdScan(kernel, input, heaps);
      return heaps;
    }
  }
  const scores = new Float64Array(QUERY_BLOCK * ITEM_BLOCK);
  for (let i0 = 0; i0 < ni; i0 += ITEM_BLOCK) {
    const i1 = Math.min(ni, i0 + ITEM_BLOCK);
    for (let q0 = 0; q0 < nq; q0 += QUERY_BLOCK) {
      const q1 = Math.min(nq, q0 + QUERY_BLOCK);
      scoreBlock(input, q0, q1, i0, i1, scores);
      pushBlock(input, heaps, q0, q1, i0, i1, scores);
    }
  }
  return heaps;
}

/**
 * The scan on the SIMD kernels: queries copied into wasm memory once per chunk, item rows one
 * block at a time (each block copied once, then scored against every query in the chunk).
 */
function simdScan(kernel: SimdDot, input: ScanInput, heaps: TopKHeap[]): void {
  const { queries, items, nq, ni, dim } = input;
  const f32 = items instanceof Float32Array;
  const chunk = Math.min(nq, SIMD_QUERY_CHUNK);
  // float32 rows are 4·dim bytes; int8 items are dim bytes and their queries are widened to int16.
  const qBytes = chunk * dim * (f32 ? 4 : 2);
  const xBytes = ITEM_BLOCK * dim * (f32 ? 4 : 1);
  const outBytes = chunk * ITEM_BLOCK * 4;
  kernel.reserve(qBytes + xBytes + outBytes);
  const xOff = qBytes;
  const outOff = qBytes + xBytes;
  const mem = kernel.heap().buffer;
  const scores = new Float32Array(mem, outOff, chunk * ITEM_BLOCK);
  const qView = f32 ? new Float32Array(mem, 0, chunk * dim) : new Int16Array(mem, 0, chunk * dim);
  const xView = f32
    ? new Float32Array(mem, xOff, ITEM_BLOCK * dim)
    : new Int8Array(mem, xOff, ITEM_BLOCK * dim);
  const score = f32 ? kernel.scores : kernel.scoresI8;
  for (let q0 = 0; q0 < nq; q0 += chunk) {
    const q1 = Math.min(nq, q0 + chunk);
    qView.set(queries.subarray(q0 * dim, q1 * dim));
    for (let i0 = 0; i0 < ni; i0 += ITEM_BLOCK) {
      const i1 = Math.min(ni, i0 + ITEM_BLOCK);
      xView.set(items.subarray(i0 * dim, i1 * dim));
      score(0, q1 - q0, xOff, i1 - i0, dim, outOff);
      pushBlock(input, heaps, q0, q1, i0, i1, scores, q0);
    }
  }
}

/**
 * Pushes one block of raw scores (`scores[(q - scoreRow0) * width + (i - i0)]`) into the heaps,
 * skipping disallowed rows and applying int8 scales. Exported for the resident-row scan.
 */
export function pushBlock(
  input: Pick<ScanInput, "allowed" | "queryScale" | "itemScale">,
  heaps: TopKHeap[],
  q0: number,
  q1: number,
  i0: number,
  i1: number,
  scores: Float64Array | Float32Array,
  scoreRow0 = q0,
): void {
  const { allowed, queryScale, itemScale } = input;
  const width = i1 - i0;
  for (let q = q0; q < q1; q++) {
    const heap = heaps[q]!;
    let threshold = heap.threshold;
    const base = (q - scoreRow0) * width;
    const qs = queryScale === undefined ? 1 : queryScale[q]!;
    for (let i = i0; i < i1; i++) {
      if (allowed !== undefined && allowed[i] === 0) continue;
      let s = scores[base + i - i0]!;
      if (itemScale !== undefined) s *= qs * itemScale[i]!;
      // Rows arrive in index order, so an equal score never displaces a kept (lower) index.
      if (s > threshold) {
        heap.push(s, i);
        threshold = heap.threshold;
      }
    }
  }
}

/** Raw dot products of queries [q0, q1) with items [i0, i1) into `out[(q - q0) * width + (i - i0)]`. */
function scoreBlock(
  input: ScanInput,
  q0: number,
  q1: number,
  i0: number,
  i1: number,
  out: Float64Array,
): void {
  const { queries: Q, items: X, dim } = input;
  const width = i1 - i0;
  if (q1 - q0 === 4) {
    const a = q0 * dim;
    const b = a + dim;
    const c = b + dim;
    const d = c + dim;
    let i = i0;
    for (; i + 1 < i1; i += 2) {
      const x = i * dim;
      const y = x + dim;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let j = 0; j < dim; j++) {
        const u = X[x + j]!;
        const v = X[y + j]!;
        const qa = Q[a + j]!;
        const qb = Q[b + j]!;
        const qc = Q[c + j]!;
        const qd = Q[d + j]!;
        s00 += qa * u;
        s01 += qa * v;
        s10 += qb * u;
        s11 += qb * v;
        s20 += qc * u;
        s21 += qc * v;
        s30 += qd * u;
        s31 += qd * v;
      }
      const o = i - i0;
      out[o] = s00;
      out[o + 1] = s01;
      out[width + o] = s10;
      out[width + o + 1] = s11;
      out[2 * width + o] = s20;
      out[2 * width + o + 1] = s21;
      out[3 * width + o] = s30;
      out[3 * width + o + 1] = s31;
    }
    for (; i < i1; i++) {
      for (let q = q0; q < q1; q++) out[(q - q0) * width + i - i0] = dotAt(Q, q * dim, X, i * dim, dim);
    }
    return;
  }
  for (let q = q0; q < q1; q++) {
    for (let i = i0; i < i1; i++) out[(q - q0) * width + i - i0] = dotAt(Q, q * dim, X, i * dim, dim);
  }
}

/** Dot product of two rows inside larger buffers, four accumulators to break the add chain. */
export function dotAt(a: RowBuffer, ao: number, b: RowBuffer, bo: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    s0 += a[ao + j]! * b[bo + j]!;
    s1 += a[ao + j + 1]! * b[bo + j + 1]!;
    s2 += a[ao + j + 2]! * b[bo + j + 2]!;
    s3 += a[ao + j + 3]! * b[bo + j + 3]!;
  }
  for (; j < dim; j++) s0 += a[ao + j]! * b[bo + j]!;
  return s0 + s1 + s2 + s3;
}
