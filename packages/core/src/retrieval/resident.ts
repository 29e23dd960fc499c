import { TopKHeap } from "../math/topk.js";
import { fromHalfBits } from "./float16.js";
import { pushBlock, scanTopK } from "./kernels.js";
import { quantizeQueriesInt8 } from "./quantize.js";
import { createSimdDot, type SimdDot } from "./simd-dot.js";

/** Element encodings a {@link ResidentRows} scans: float32 originals, binary16 bits or int8 codes. */
export type RowCodec = "float32" | "float16" | "int8";

/** Typed-array storage of each {@link RowCodec}. */
export interface RowArrayMap {
  float32: Float32Array;
  float16: Uint16Array;
  int8: Int8Array;
}

const BYTES: Readonly<Record<RowCodec, number>> = { float32: 4, float16: 2, int8: 1 };
/** Row width (elements) the SIMD kernel needs a multiple of. */
const SIMD_UNIT: Readonly<Record<RowCodec, number>> = { float32: 4, float16: 8, int8: 16 };
const ARRAY = { float32: Float32Array, float16: Uint16Array, int8: Int8Array } as const;

/**
 * Item rows per kernel call. A block of 512-wide float32 rows is 256 KiB: it stays in L2 while
 * every query of the chunk passes over it, so each row comes from memory once per search call.
 */
const ITEM_BLOCK = 128;
/**
 * Item rows per kernel call for a single query: each row is read once whatever the block, so a
 * wide block only saves calls and heap passes (8 KiB of scores).
 */
const SINGLE_QUERY_BLOCK = 2048;
/** Queries per kernel chunk: bounds the scratch (queries + one block of scores). */
const QUERY_CHUNK = 256;

/**
 * A growable `rows × dim` matrix that lives in the linear memory of its own WebAssembly SIMD
 * kernel instance, so a search scans it in place: nothing is copied into the kernel per call
 * (issue #18: the per-call copy of the gallery was 64 % of a single-query search). The rows sit
 * at offset 0 and the per-search scratch (queries, one block of scores) right after the reserved
 * capacity; growing the memory keeps the rows where they are.
 *
 * Where WebAssembly SIMD is missing, or `dim` is not a multiple of the kernel's unit, the rows
 * are a plain typed array and the JavaScript kernels scan them.
 */
export class ResidentRows<C extends RowCodec = RowCodec> {
  readonly codec: C;
  readonly dim: number;
  private readonly kernel: SimdDot | undefined;
  private js: RowArrayMap[C];
  private capacity = 0;

  constructor(codec: C, dim: number, simd = true) {
    this.codec = codec;
    this.dim = dim;
    this.kernel = simd && dim % SIMD_UNIT[codec] === 0 ? createSimdDot() : undefined;
    this.js = new ARRAY[codec](0) as RowArrayMap[C];
  }

  /** True when the rows live in WebAssembly memory and the SIMD kernels scan them. */
  get simd(): boolean {
    return this.kernel !== undefined;
  }

  /** Makes room for `rows` rows, keeping the first `used`. */
  reserve(rows: number, used: number): void {
    if (rows <= this.capacity) return;
    if (this.kernel) {
      this.kernel.reserve(rows * this.rowBytes());
    } else {
      const next = new ARRAY[this.codec](rows * this.dim) as RowArrayMap[C];
      next.set(this.js.subarray(0, used * this.dim) as never);
      this.js = next;
    }
    this.capacity = rows;
  }

  /** A view of the first `rows` rows; valid until the next {@link reserve} or scan. */
  rows(rows: number): RowArrayMap[C] {
    if (!this.kernel) return this.js.subarray(0, rows * this.dim) as RowArrayMap[C];
    return new ARRAY[this.codec](
      this.kernel.heap().buffer as ArrayBuffer,
      0,
      rows * this.dim,
    ) as RowArrayMap[C];
  }

  /** Copies row `from` over row `to` (swap-removal). */
  move(to: number, from: number): void {
    const d = this.dim;
    this.rows(Math.max(to, from) + 1).copyWithin(to * d, from * d, (from + 1) * d);
  }

  /**
   * Approximate top-`k` per query over the first `ni` rows: float32 dot products of the stored
   * rows with the unit `queries` (`nq × dim`), int8 rows scaled by `itemScale`. Ties keep the
   * lower row. The scores differ from exact float64 dots by rounding (and quantisation) only.
   */
  scan(
    queries: Float32Array,
    nq: number,
    ni: number,
    k: number,
    allowed?: Uint8Array,
    itemScale?: Float32Array,
  ): TopKHeap[] {
    const dim = this.dim;
    if (!this.kernel || k === 0 || ni === 0) return this.scanJs(queries, nq, ni, k, allowed, itemScale);
    const heaps: TopKHeap[] = [];
    for (let q = 0; q < nq; q++) heaps.push(new TopKHeap(Math.min(k, ni)));
    const int8 = this.codec === "int8";
    const coded = int8 ? quantizeQueriesInt8(queries, dim) : undefined;
    const chunk = Math.min(nq, QUERY_CHUNK);
    const block = chunk === 1 ? SINGLE_QUERY_BLOCK : ITEM_BLOCK;
    // int8 queries are widened to int16 for the kernel (2·dim bytes a row).
    const qBytes = chunk * dim * (int8 ? 2 : 4);
    const qOff = align(this.capacity * this.rowBytes());
    const outOff = qOff + qBytes;
    this.kernel.reserve(outOff + chunk * block * 4);
    const mem = this.kernel.heap().buffer;
    const qView = int8 ? new Int16Array(mem, qOff, chunk * dim) : new Float32Array(mem, qOff, chunk * dim);
    const scores = new Float32Array(mem, outOff, chunk * block);
    const score =
      this.codec === "float32"
        ? this.kernel.scores
        : this.codec === "float16"
          ? this.kernel.scoresF16
          : this.kernel.scoresI8;
    const rowBytes = this.rowBytes();
    const input = {
      allowed,
      itemScale: int8 ? itemScale : undefined,
      queryScale: coded?.scales,
    };
    for (let q0 = 0; q0 < nq; q0 += chunk) {
      const q1 = Math.min(nq, q0 + chunk);
      qView.set((coded ? coded.codes : queries).subarray(q0 * dim, q1 * dim));
      for (let i0 = 0; i0 < ni; i0 += block) {
        const i1 = Math.min(ni, i0 + block);
        score(qOff, q1 - q0, i0 * rowBytes, i1 - i0, dim, outOff);
        pushBlock(input, heaps, q0, q1, i0, i1, scores, q0);
      }
    }
    return heaps;
  }

  private rowBytes(): number {
    return this.dim * BYTES[this.codec];
  }

  private scanJs(
    queries: Float32Array,
    nq: number,
    ni: number,
    k: number,
    allowed?: Uint8Array,
    itemScale?: Float32Array,
  ): TopKHeap[] {
    const dim = this.dim;
    const items = this.rows(ni);
    if (this.codec === "int8") {
      const qc = quantizeQueriesInt8(queries, dim);
      return scanTopK(
        {
          queries: qc.codes,
          items: items as Int8Array,
          nq,
          ni,
          dim,
          queryScale: qc.scales,
          itemScale,
          allowed,
          simd: false,
        },
        k,
      );
    }
    // float16 without SIMD: widen once (the fallback is for old runtimes, not for speed).
    const wide = this.codec === "float32" ? (items as Float32Array) : Float32Array.from(items, fromHalfBits);
    return scanTopK({ queries, items: wide, nq, ni, dim, allowed, simd: false }, k);
  }
}

function align(bytes: number): number {
  return (bytes + 15) & ~15;
}
