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
 * Re-scores one round of shortlists (`coarse[j]` for query `pending[j]`, scanned with size `kk`),
 * stores certified results in `out` and returns the queries that need a wider shortlist.
 */
export function rescoreRound(
  ctx: ExactContext,
  pending: readonly number[],
  coarse: readonly TopKHeap[],
  kk: number,
  out: TopKHeap[],
): number[] {
  const { queries, dim, k } = ctx;
  const items = ctx.originals();
  const failed: number[] = [];
  pending.forEach((qi, j) => {
    const shortlist = coarse[j]!.sorted();
    const eps = ctx.eps(qi);
    const exact = new TopKHeap(Math.min(k, shortlist.length));
    // Only rows that can still reach the top k are re-scored: the k best approximate rows all have
    // exact scores ≥ s̃ₖ − ε, so a row with s̃ < s̃ₖ − 2ε (exact score < s̃ₖ − ε) is strictly below
    // k of them. With a float32 scan that leaves ~k of the k + 32 rows (issue #18: the float64
    // re-score was most of searchAsync's overhead over the raw GEMM).
    const kth = shortlist[Math.min(k, shortlist.length) - 1];
    const floor = kth ? kth.score - 2 * eps : Number.NEGATIVE_INFINITY;
    for (const { index, score } of shortlist) {
      if (score < floor) break;
      exact.push(dotAt(queries, qi * dim, items, index * dim, dim), index);
    }
    // A shortlist shorter than asked for holds every allowed row: nothing was left out.
    const complete = shortlist.length < kk || kk >= ctx.rows;
    const last = shortlist[shortlist.length - 1];
    if (complete || k === 0 || !last || exact.threshold > last.score + eps) out[qi] = exact;
    else failed.push(qi);
  });
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
    pending = rescoreRound(ctx, pending, scan(pending, Math.min(kk, ctx.rows)), kk, out);
  }
  return out;
}

/** {@link exactTopK} for an asynchronous scan (a GEMM on the inference runtime). */
export async function exactTopKAsync(
  ctx: ExactContext,
  nq: number,
  first: number,
  scan: (pending: readonly number[], kk: number) => Promise<TopKHeap[]>,
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
