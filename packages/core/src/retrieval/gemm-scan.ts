import type { MatMulTopK, MatMulTopKOutput } from "../backend/matmul-topk.js";
import { TopKHeap } from "../math/topk.js";
import { pickRows } from "./exact.js";
import { quantizeQueriesInt8 } from "./quantize.js";

/** One round of an approximate scan for {@link exactTopKAsync}: a heap per listed query. */
export type AsyncScan = (pending: readonly number[], kk: number) => Promise<TopKHeap[]>;

/** Heaps from a runtime top-k output (`pending.length × kk`, best first), scores times `scale(qi)`. */
function heapsOf(
  out: MatMulTopKOutput,
  pending: readonly number[],
  kk: number,
  scale?: (qi: number) => number,
): TopKHeap[] {
  const { scores, indices } = out;
  return pending.map((qi, j) => {
    const heap = new TopKHeap(kk);
    const s = scale ? scale(qi) : 1;
    for (let t = j * kk; t < (j + 1) * kk; t++) heap.push(scores[t]! * s, indices[t]!);
    return heap;
  });
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
    return heapsOf(await gemm.run(q, pending.length, items(), n, dim, kk), pending, kk);
  };
}

/**
 * The int8 scan on the runtime's uint8 × int8 GEMM (`gemm.runInt8`): the queries are coded
 * exactly as the WebAssembly int8 scan codes them (so the same error bound ε holds), shifted by
 * 128 to uint8; `itemsT` holds the item codes transposed (`dim × n`), `itemScale` their scales.
 * Scores come back as `code dot · item scale` and are multiplied by the query's scale here.
 */
export function int8GemmScan(
  gemm: MatMulTopK & Required<Pick<MatMulTopK, "runInt8">>,
  queries: Float32Array,
  dim: number,
  itemsT: Int8Array,
  itemScale: Float32Array,
  n: number,
): AsyncScan {
  const coded = quantizeQueriesInt8(queries, dim);
  const shifted = Uint8Array.from(coded.codes, (c) => c + 128);
  return async (pending, kk) => {
    const q = new Uint8Array(pending.length * dim);
    pending.forEach((qi, j) => {
      q.set(shifted.subarray(qi * dim, (qi + 1) * dim), j * dim);
    });
    const out = await gemm.runInt8(q, pending.length, itemsT, itemScale, n, dim, kk);
    return heapsOf(out, pending, kk, (qi) => coded.scales[qi]!);
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
