import type { MatMulTopK, MatMulTopKOutput } from "../backend/matmul-topk.js";
import { pickRows, type Shortlist } from "./exact.js";

/** One round of an approximate scan for `exactTopKAsync`: a shortlist per listed query. */
export type AsyncScan = (pending: readonly number[], kk: number) => Promise<Shortlist[]>;

/**
 * Shortlists read in place from a runtime top-k output (`pending.length × kk`, best first),
 * scores times `scale(qi)`: no heap, sort or copy per query (issue #18).
 */
function shortlistsOf(
  out: MatMulTopKOutput,
  pending: readonly number[],
  kk: number,
  scale?: Float32Array,
): Shortlist[] {
  const { scores, indices } = out;
  return pending.map((qi, j) => ({ scores, indices, at: j * kk, length: kk, scale: scale ? scale[qi]! : 1 }));
}

/**
 * The float32 scan on the runtime's GEMM: unit `queries` (`nq × dim`) against the first `n`
 * rows of `items` (read when the scan runs, so a view of kernel memory stays valid).
 */
export function float32GemmScan(
  gemm: MatMulTopK,
  queries: Float32Array,
  dim: number,
  items: () => Float32Array,
  n: number,
): AsyncScan {
  return async (pending, kk) => {
    const q = pickRows(queries, dim, pending);
    return shortlistsOf(await gemm.run(q, pending.length, items(), n, dim, kk), pending, kk);
  };
}

/** Query codes (`nq × dim` int8, as the WebAssembly int8 scan codes them) shifted by 128 to uint8. */
export function shiftedCodes(codes: Int8Array): Uint8Array {
  const out = new Uint8Array(codes.length);
  // A plain loop: `Uint8Array.from(codes, mapFn)` took 8–9 ms CPU for 64 × 512 codes, a quarter
  // of the int8 GEMM itself (issue #18 profile).
  for (let i = 0; i < codes.length; i++) out[i] = codes[i]! + 128;
  return out;
}

/**
 * The int8 scan on the runtime's uint8 × int8 GEMM (`gemm.runInt8`): `coded` holds the query
 * codes and scales (`quantizeQueriesInt8`, so the same error bound ε holds as for the WebAssembly
 * int8 scan); `itemsT` holds the item codes transposed (`dim × n`), `itemScale` their scales.
 * Scores come back as `code dot · item scale`; the shortlists carry the query's scale.
 */
export function int8GemmScan(
  gemm: MatMulTopK & Required<Pick<MatMulTopK, "runInt8">>,
  coded: { codes: Int8Array; scales: Float32Array },
  dim: number,
  itemsT: Int8Array,
  itemScale: Float32Array,
  n: number,
): AsyncScan {
  const shifted = shiftedCodes(coded.codes);
  return async (pending, kk) => {
    let q = shifted;
    if (pending.length * dim !== shifted.length) {
      q = new Uint8Array(pending.length * dim);
      pending.forEach((qi, j) => {
        q.set(shifted.subarray(qi * dim, (qi + 1) * dim), j * dim);
      });
    }
    const out = await gemm.runInt8(q, pending.length, itemsT, itemScale, n, dim, kk);
    return shortlistsOf(out, pending, kk, coded.scales);
  };
}

/** `n × dim` int8 codes transposed to `dim × n` (column r is row r), the GEMM's item layout. */
export function transposeCodes(codes: Int8Array, n: number, dim: number): Int8Array {
  const out = new Int8Array(n * dim);
  for (let r = 0; r < n; r++) {
    const o = r * dim;
    for (let j = 0; j < dim; j++) out[j * n + r] = codes[o + j]!;
  }
  return out;
}
