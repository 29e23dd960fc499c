import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEmbeddings, type EmbeddingSpace } from "../embeddings.js";
import { FlatIndex, type FlatStorage } from "./flat-index.js";
import { dotAt } from "./kernels.js";
import { unitRows } from "./testing.js";

/**
 * Every storage with re-scoring returns exactly what a naive float64 scan returns: the best k rows
 * by `dotAt` (clipkit's definition of the exact score), ties to the lower row, after swap-removals
 * and filters. Rows are random unit vectors with deliberate duplicates (exact ties) and shared
 * values (near-ties); dims cover the SIMD kernels (multiples of 4/8/16) and the JS fallbacks.
 */

const space = (dim: number): EmbeddingSpace => ({ id: "exact", dim, normalized: true });

/** The naive reference: all allowed rows scored, sorted by score then row. */
function reference(
  items: Float32Array,
  q: Float32Array,
  qi: number,
  dim: number,
  k: number,
  keep: boolean[],
) {
  const n = items.length / dim;
  const all: { row: number; score: number }[] = [];
  for (let i = 0; i < n; i++)
    if (keep[i]) all.push({ row: i, score: dotAt(q, qi * dim, items, i * dim, dim) });
  all.sort((a, b) => b.score - a.score || a.row - b.row);
  return all.slice(0, k);
}

const case_ = fc.record({
  storage: fc.constantFrom<FlatStorage>("float32", "float16", "int8"),
  dim: fc.constantFrom(1, 3, 4, 7, 8, 16, 24, 32, 48, 64),
  n: fc.integer({ min: 0, max: 400 }),
  nq: fc.integer({ min: 1, max: 9 }),
  k: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 500 })),
  seed: fc.integer(),
  levels: fc.constantFrom(1, 2, 3, 1000),
  dupes: fc.array(fc.nat(), { maxLength: 120 }),
  sources: fc.integer({ min: 1, max: 4 }),
  drop: fc.array(fc.boolean(), { maxLength: 600 }),
  filter: fc.boolean(),
  jitter: fc.constantFrom(0, 1e-6, 1e-3),
});

describe("FlatIndex exactness (all storages, re-scored)", () => {
  it("equals the naive float64 scan, ties by lower row, after removals and with filters", () => {
    fc.assert(
      fc.property(case_, ({ storage, dim, n, nq, k, seed, levels, dupes, sources, drop, filter, jitter }) => {
        const base = unitRows(n, dim, seed, levels);
        // duplicate some rows at the end: exact ties whose order must follow the row index
        // (many copies of a few rows: more exact ties than the first shortlist holds)
        const extra = n > 0 ? dupes.map((d) => d % Math.min(n, sources)) : [];
        const items = new Float32Array((n + extra.length) * dim);
        items.set(base);
        // copies, exact or nudged below the float16/int8 resolution (the scan cannot order those)
        extra.forEach((src, j) => {
          let norm = 0;
          for (let t = 0; t < dim; t++) {
            const v = items[src * dim + t]! + (jitter * ((j * 7 + t * 13) % 5)) / 4;
            items[(n + j) * dim + t] = v;
            norm += v * v;
          }
          for (let t = 0; t < dim; t++)
            items[(n + j) * dim + t] = items[(n + j) * dim + t]! / Math.sqrt(norm);
        });
        const total = n + extra.length;
        const ids = Array.from({ length: total }, (_, i) => `r${i}`);
        const meta = ids.map((_, i) => ({ even: i % 2 === 0 }));
        const index = new FlatIndex<{ even: boolean }>(space(dim), { storage });
        index.add(ids, createEmbeddings(items, total, space(dim)), meta);
        // mirror the documented swap-removal on the reference rows
        const order = ids.map((_, i) => i);
        const removed = ids.filter((_, i) => drop[i]);
        for (const id of removed) {
          const at = order.indexOf(Number(id.slice(1)));
          order[at] = order[order.length - 1]!;
          order.pop();
        }
        index.remove(removed);
        const kept = new Float32Array(order.length * dim);
        order.forEach((src, row) => {
          kept.set(items.subarray(src * dim, (src + 1) * dim), row * dim);
        });
        const queries = unitRows(nq, dim, seed ^ 0x5bd1e995, levels);
        const hits = index.search(createEmbeddings(queries, nq, space(dim)), {
          k,
          ...(filter ? { filter: { even: true } } : {}),
        });
        const keep = order.map((src) => !filter || src % 2 === 0);
        for (let qi = 0; qi < nq; qi++) {
          const want = reference(kept, queries, qi, dim, k, keep);
          expect(hits[qi]!.map((h) => h.id)).toEqual(want.map((w) => `r${order[w.row]}`));
          expect(hits[qi]!.map((h) => h.score)).toEqual(want.map((w) => w.score));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("the empty index answers every query with no hits", () => {
    for (const storage of ["float32", "float16", "int8"] as const) {
      const index = new FlatIndex(space(16), { storage });
      const q = unitRows(3, 16, 1, 1000);
      expect(index.search(createEmbeddings(q, 3, space(16)), { k: 5 })).toEqual([[], [], []]);
    }
  });

  it("float16 holds half the bytes of float32 in its scanned rows", () => {
    expect(new FlatIndex(space(512), { storage: "float16", rescore: false }).bytesPerVector()).toBe(1024);
    expect(new FlatIndex(space(512), { storage: "float16" }).bytesPerVector()).toBe(1024 + 2048);
  });
});
