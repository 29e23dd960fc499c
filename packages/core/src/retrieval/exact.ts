import { TopKHeap } from "../math/topk.js";
import { dotAt } from "./kernels.js";
import { quantizeQueriesInt8 } from "./quantize.js";

/**
 * Exact top-k from an approximate shortlist, with a certificate. The fast scans (float32 SIMD with
 * float32 sums, an onnxruntime GEMM, float16 or int8 codes) rank rows by scores that differ from
 * the exact float64 dot product by at most `eps`. The shortlist of the `kk` best approximate
 * scores is re-scored exactly; if the k-th exact score beats the last shortlisted approximate
 * score by more than `eps`, no row outside the shortlist can enter the top k (its exact score is
 * at most that approximate score + `eps`), so the result equals a brute-force float64 scan with
 * ties broken by the lower row. Otherwise the query is scanned again with a 4× wider shortlist.
 */
export interface ExactContext {
  /** Unit query rows, `nq × dim`. */
  readonly queries: Float32Array;
  readonly dim: number;
  readonly k: number;
  /** Rows that may be returned (all, or those passing the filter). */
  readonly rows: number;
  /** Float32 originals, `rows × dim`, read for the exact scores. */
  originals(): Float32Array;
  /** Largest possible |approximate − exact| score for query `qi`. */
  eps(qi: number): number;
}

/** First shortlist size for `k` hits: a margin so that near-ties rarely need a second scan. */
export function firstShortlist(k: number, factor: number): number {
  return Math.max(Math.ceil(k * factor), k + 32);
}

/**
 * One query's approximate shortlist, best first (equal scores in any order): entry `t < length`
 * is row `indices[at + t]` with score `scores[at + t] · scale`. A runtime's top-k output is read
 * in place (no per-query heap or sort on the hand-over), a wasm scan's heap through
 * {@link heapShortlist}.
 */
export interface Shortlist {
  readonly scores: ArrayLike<number>;
  readonly indices: ArrayLike<number>;
  readonly at: number;
  readonly length: number;
  /** Positive factor on the stored scores (the int8 query scale; 1 otherwise). */
  readonly scale: number;
}

/** A heap's entries as a {@link Shortlist}, best first. */
export function heapShortlist(heap: TopKHeap): Shortlist {
  const sorted = heap.sorted();
  const scores = new Float64Array(sorted.length);
  const indices = new Int32Array(sorted.length);
  sorted.forEach(({ score, index }, t) => {
    scores[t] = score;
    indices[t] = index;
  });
  return { scores, indices, at: 0, length: sorted.length, scale: 1 };
}

/**
 * Re-scores one round of shortlists (`coarse[j]` for query `pending[j]`, scanned with size `kk`),
 * stores certified results in `out` and returns the queries that need a wider shortlist.
 */
export function rescoreRound(
  ctx: ExactContext,
  pending: readonly number[],
  coarse: readonly Shortlist[],
  kk: number,
  out: TopKHeap[],
): number[] {
  const { queries, dim, k } = ctx;
  const items = ctx.originals();
  const failed: number[] = [];
  for (let j = 0; j < pending.length; j++) {
    const qi = pending[j]!;
    const { scores, indices, at, length, scale } = coarse[j]!;
    const eps = ctx.eps(qi);
    const kept = Math.min(k, length);
    const exact = new TopKHeap(kept);
    // Only rows that can still reach the top k are re-scored: the k best approximate rows all have
    // exact scores ≥ s̃ₖ − ε, so a row with s̃ < s̃ₖ − 2ε (exact score < s̃ₖ − ε) is strictly below
    // k of them. With a float32 scan that leaves ~k of the k + 16 rows (issue #18: the float64
    // re-score was most of searchAsync's overhead over the raw GEMM).
    const floor = kept > 0 ? scores[at + kept - 1]! * scale - 2 * eps : Number.NEGATIVE_INFINITY;
    for (let t = 0; t < length; t++) {
      if (scores[at + t]! * scale < floor) break;
      const row = indices[at + t]!;
      exact.push(dotAt(queries, qi * dim, items, row * dim, dim), row);
    }
    // A shortlist shorter than asked for holds every allowed row: nothing was left out.
    const complete = length < kk || kk >= ctx.rows;
    if (complete || k === 0 || length === 0 || exact.threshold > scores[at + length - 1]! * scale + eps) {
      out[qi] = exact;
    } else failed.push(qi);
  }
  return failed;
}

/** Synchronous driver: `scan(queryRows, kk)` returns one approximate heap per listed query. */
export function exactTopK(
  ctx: ExactContext,
  nq: number,
  first: number,
  scan: (pending: readonly number[], kk: number) => TopKHeap[],
): TopKHeap[] {
  const out: TopKHeap[] = new Array(nq);
  let pending = Array.from({ length: nq }, (_, i) => i);
  for (let kk = first; pending.length > 0; kk *= 4) {
    const coarse = scan(pending, Math.min(kk, ctx.rows)).map(heapShortlist);
    pending = rescoreRound(ctx, pending, coarse, kk, out);
  }
  return out;
}

/** {@link exactTopK} for an asynchronous scan (a GEMM on the inference runtime) that returns shortlists. */
export async function exactTopKAsync(
  ctx: ExactContext,
  nq: number,
  first: number,
  scan: (pending: readonly number[], kk: number) => Promise<Shortlist[]>,
): Promise<TopKHeap[]> {
  const out: TopKHeap[] = new Array(nq);
  let pending = Array.from({ length: nq }, (_, i) => i);
  for (let kk = first; pending.length > 0; kk *= 4) {
    pending = rescoreRound(ctx, pending, await scan(pending, Math.min(kk, ctx.rows)), kk, out);
  }
  return out;
}

/** Rows of `queries` (`dim` wide) listed in `pending`, packed. The whole buffer when all are listed. */
export function pickRows(queries: Float32Array, dim: number, pending: readonly number[]): Float32Array {
  if (pending.length * dim === queries.length) return queries;
  const out = new Float32Array(pending.length * dim);
  pending.forEach((qi, j) => {
    out.set(queries.subarray(qi * dim, (qi + 1) * dim), j * dim);
  });
  return out;
}

/** |float32-sum − float64 dot| bound for unit rows: γ(dim) with a 2× margin (any summation order). */
const epsF32 = (dim: number) => (dim + 16) * 2 ** -23;

/**
 * Per-query bound ε on |scanned score − exact float64 score| for unit `queries` (`nq × dim`)
 * scanned against rows stored as `storage`; `residual` is the largest int8 row residual
 * ‖code·scale − x‖ (int8 only).
 */
export function scanEps(
  storage: "float32" | "float16" | "int8",
  dim: number,
  q: Float32Array,
  nq: number,
  residual: number,
): (qi: number) => number {
  const e32 = epsF32(dim);
  if (storage === "float32") return () => e32;
  if (storage === "float16") {
    // binary16 rounding: ≤ 2⁻¹¹·|x| per normal element, ≤ 2⁻²⁵ per subnormal; Cauchy–Schwarz.
    const e = (2 ** -11 + Math.sqrt(dim) * 2 ** -25 + e32) * 1.001;
    return () => e;
  }
  // int8: q̃·x̃ − q·x = q̃·(x̃ − x) + (q̃ − q)·x, bounded by ‖q̃‖·r + ‖q̃ − q‖ (r: worst row residual).
  const { codes, scales } = quantizeQueriesInt8(q, dim);
  const eq = new Float64Array(nq);
  for (let i = 0; i < nq; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += (codes[i * dim + j]! * scales[i]! - q[i * dim + j]!) ** 2;
    eq[i] = Math.sqrt(s);
  }
  return (qi) => ((1 + eq[qi]!) * residual + eq[qi]! + e32) * 1.001;
}
