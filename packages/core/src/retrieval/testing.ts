/**
 * Test helpers for the exact-search GEMM hand-over (`FlatIndex.searchAsync` on a backend's
 * `matmulTopK`), shared by core's JavaScript-runtime test and the backends' runtime tests. Test-only:
 * not exported from the package index (backend tests import it by relative path, as
 * `model/backend-cases.ts`).
 */
import { expect } from "vitest";
import type { MatMulTopK } from "../backend/matmul-topk.js";

/**
 * A linear congruential generator (Numerical Recipes' constants): each call answers the next
 * uint32 state. Seed 0 starts as 1. Cheap and the same on every platform, for property tests'
 * data.
 */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

/**
 * `count × dim` unit rows from {@link lcg}, each value first rounded to a
 * multiple of `1 / levels` (never 0): few levels make many exact ties between scores, as ranking
 * must order by row.
 */
export function unitRows(count: number, dim: number, seed: number, levels: number): Float32Array {
  const next = lcg(seed);
  const out = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const v = Math.round((next() / 2 ** 32 - 0.5) * 2 * levels) / levels || 1 / levels;
      out[r * dim + j] = v;
      norm += v * v;
    }
    for (let j = 0; j < dim; j++) out[r * dim + j] = out[r * dim + j]! / Math.sqrt(norm);
  }
  return out;
}

/**
 * {@link unitRows} `n × dim`, followed by exact copies of rows `copies[j] % n` (ties that only the
 * row order breaks); no copies when `n` is 0. `total` is `n` plus the copies.
 */
export function unitRowsWithCopies(
  n: number,
  dim: number,
  seed: number,
  levels: number,
  copies: readonly number[],
): { items: Float32Array; total: number } {
  const total = n + (n > 0 ? copies.length : 0);
  const items = new Float32Array(total * dim);
  items.set(unitRows(n, dim, seed, levels));
  if (n > 0) {
    copies.forEach((d, j) => {
      items.copyWithin((n + j) * dim, (d % n) * dim, ((d % n) + 1) * dim);
    });
  }
  return { items, total };
}

/**
 * Two queries over four 2-d items where rows 0 and 2 are equal: `k = 3` must list the tie by the
 * lower row, with the exact dot products as scores.
 */
export async function expectTopKTieOrder(gemm: MatMulTopK): Promise<void> {
  const items = Float32Array.of(1, 0, 0, 1, 1, 0, 0.6, 0.8);
  const queries = Float32Array.of(1, 0, 0, 1);
  const { scores, indices } = await gemm.run(queries, 2, items, 4, 2, 3);
  expect([...indices]).toEqual([0, 2, 3, 1, 3, 0]);
  expect([...scores].map((s) => Math.round(s * 1e6) / 1e6)).toEqual([1, 1, 0.6, 1, 0.8, 0]);
}
