import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEmbeddings, type EmbeddingSpace, type Embeddings } from "../embeddings.js";
import { expectClipkitError } from "../testing.js";
import { FlatIndex } from "./flat-index.js";
import { syntheticEmbeddings } from "./synthetic.js";

const space = (dim: number, id = "test"): EmbeddingSpace => ({ id, dim, normalized: true });
const emb = (rows: number[][], dim: number, id = "test"): Embeddings =>
  createEmbeddings(Float32Array.from(rows.flat()), rows.length, space(dim, id));

/** Reference: score every row, sort by score then insertion order. */
function bruteForce(
  items: number[][],
  query: number[],
  k: number,
  keep: (i: number) => boolean = () => true,
) {
  const scored = items
    .map((v, i) => ({ i, s: v.reduce((acc, x, j) => acc + Math.fround(x) * Math.fround(query[j]!), 0) }))
    .filter(({ i }) => keep(i));
  scored.sort((a, b) => b.s - a.s || a.i - b.i);
  return scored.slice(0, k);
}

// Unit vectors with 1 or 4 non-zero entries of ±1 or ±½: exactly representable, so every dot
// product is exact in float32 and exact ties are common, which is where ordering bugs hide.
const vec = (dim: number) =>
  fc
    .record({
      wide: fc.boolean(),
      picks: fc.array(fc.tuple(fc.integer({ min: 0, max: dim - 1 }), fc.boolean()), {
        minLength: 4,
        maxLength: 4,
      }),
    })
    .map(({ wide, picks }) => {
      const v = new Array<number>(dim).fill(0);
      const used = new Set<number>();
      const chosen = wide && dim >= 4 ? picks.filter(([j]) => !used.has(j) && used.add(j)) : [];
      if (chosen.length === 4) for (const [j, neg] of chosen) v[j] = neg ? -0.5 : 0.5;
      else v[picks[0]![0]] = picks[0]![1] ? -1 : 1;
      return v;
    });
const data = fc.integer({ min: 1, max: 9 }).chain((dim) =>
  fc.record({
    dim: fc.constant(dim),
    items: fc.array(vec(dim), { minLength: 0, maxLength: 40 }),
    queries: fc.array(vec(dim), { minLength: 1, maxLength: 9 }),
    k: fc.integer({ min: 0, max: 50 }),
  }),
);

describe("FlatIndex (float32)", () => {
  it("equals brute force, including ties and k > size", () => {
    fc.assert(
      fc.property(data, ({ dim, items, queries, k }) => {
        const index = new FlatIndex(space(dim));
        index.add(
          items.map((_, i) => `id${i}`),
          emb(items, dim),
        );
        const hits = index.search(emb(queries, dim), { k });
        expect(hits).toHaveLength(queries.length);
        queries.forEach((q, qi) => {
          const want = bruteForce(items, q, k);
          expect(hits[qi]!.map((h) => h.id)).toEqual(want.map((w) => `id${w.i}`));
          expect(hits[qi]!.map((h) => h.score)).toEqual(want.map((w) => expect.closeTo(w.s, 4)));
        });
      }),
      { numRuns: 200 },
    );
  });

  it("equals brute force on the remaining items after removals, with filters", () => {
    fc.assert(
      fc.property(data, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (d, drop) => {
        const { dim, items, queries, k } = d;
        const index = new FlatIndex<{ even: boolean }>(space(dim));
        const ids = items.map((_, i) => `id${i}`);
        index.add(
          ids,
          emb(items, dim),
          items.map((_, i) => ({ even: i % 2 === 0 })),
        );
        const removed = ids.filter((_, i) => drop[i]);
        expect(index.remove([...removed, "never-added"])).toBe(removed.length);
        expect(index.size()).toBe(items.length - removed.length);
        const hits = index.search(emb(queries, dim), { k, filter: { even: true } });
        queries.forEach((q, qi) => {
          const want = bruteForce(items, q, k, (i) => !drop[i] && i % 2 === 0);
          // Swap-removal reorders rows, so compare scores (ties may pick other equal items).
          expect(hits[qi]!.map((h) => h.score)).toEqual(want.map((w) => expect.closeTo(w.s, 4)));
          for (const h of hits[qi]!) {
            const i = Number(h.id.slice(2));
            expect(drop[i]).toBe(false);
            expect(h.metadata).toEqual({ even: true });
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  it("normalises rows of an unnormalised space, so scores are cosines", () => {
    const s: EmbeddingSpace = { id: "raw", dim: 2, normalized: false };
    const index = new FlatIndex(s);
    index.add(["a", "b"], createEmbeddings(Float32Array.of(3, 0, 1, 1), 2, s));
    const [hits] = index.search(createEmbeddings(Float32Array.of(0, 5), 1, s), { k: 2 });
    expect(hits!.map((h) => h.id)).toEqual(["b", "a"]);
    expect(hits![0]!.score).toBeCloseTo(Math.SQRT1_2, 6);
    expect(hits![1]!.score).toBeCloseTo(0, 6);
  });

  it("rejects zero and non-unit rows in a normalised space (a norm-10 row would score 10)", () => {
    const index = new FlatIndex(space(2));
    expectClipkitError(() => index.add(["z"], emb([[0, 0]], 2)), "ZERO_VECTOR");
    expectClipkitError(() => index.add(["big"], emb([[10, 0]], 2)), "NOT_NORMALIZED");
    expectClipkitError(
      () =>
        index.add(
          ["ok", "half"],
          emb(
            [
              [1, 0],
              [0.5, 0],
            ],
            2,
          ),
        ),
      "NOT_NORMALIZED",
    );
    expect(index.size()).toBe(0);
    index.add(["a"], emb([[0.6, 0.8]], 2));
    expectClipkitError(() => index.search(emb([[0, 10]], 2), { k: 1 }), "NOT_NORMALIZED");
    fc.assert(
      fc.property(
        fc.float({ min: Math.fround(0.01), max: 100, noNaN: true }).filter((n) => Math.abs(n * n - 1) > 2e-3),
        (norm) => {
          expectClipkitError(() => index.add(["x"], emb([[0.6 * norm, 0.8 * norm]], 2)), "NOT_NORMALIZED");
        },
      ),
    );
  });

  it("rejects another space, NaN vectors and duplicate ids; upsert replaces", () => {
    const index = new FlatIndex(space(2));
    index.add(["a"], emb([[1, 0]], 2));
    expectClipkitError(() => index.search(emb([[1, 0]], 2, "other-model"), { k: 1 }), "SPACE_MISMATCH");
    expectClipkitError(() => index.search(emb([[1, 0, 0]], 3), { k: 1 }), "SPACE_MISMATCH");
    expectClipkitError(() => index.add(["b"], emb([[1, 0, 0]], 3)), "SPACE_MISMATCH");
    expectClipkitError(() => index.add(["b"], emb([[Number.NaN, 0]], 2)), "NON_FINITE");
    expectClipkitError(() => index.search(emb([[Number.POSITIVE_INFINITY, 0]], 2), { k: 1 }), "NON_FINITE");
    expectClipkitError(() => index.search(emb([[Number.NaN, 1]], 2), { k: 1 }), "NON_FINITE");
    expectClipkitError(() => index.add(["a"], emb([[0, 1]], 2)), "DUPLICATE_ID");
    expectClipkitError(
      () =>
        index.add(
          ["c", "c"],
          emb(
            [
              [0, 1],
              [1, 0],
            ],
            2,
          ),
        ),
      "DUPLICATE_ID",
    );
    expectClipkitError(
      () =>
        index.add(
          ["c"],
          emb(
            [
              [0, 1],
              [1, 0],
            ],
            2,
          ),
        ),
      "SHAPE_MISMATCH",
    );
    expectClipkitError(() => index.search(emb([[1, 0]], 2), { k: -1 }), "INVALID_ARGUMENT");
    expect(index.size()).toBe(1);
    index.add(
      ["a", "d"],
      emb(
        [
          [0, 1],
          [1, 0],
        ],
        2,
      ),
      [{ v: 2 }, undefined],
      { upsert: true },
    );
    expect(index.size()).toBe(2);
    const [hits] = index.search(emb([[0, 1]], 2), { k: 1 });
    expect(hits).toEqual([{ id: "a", score: 1, metadata: { v: 2 } }]);
  });
});

describe("FlatIndex (int8)", () => {
  const gallery = syntheticEmbeddings({ count: 3000, dim: 64, seed: 3 });
  const queries = syntheticEmbeddings({ count: 50, dim: 64, seed: 3, pointSeed: 9 });
  const ids = Array.from({ length: gallery.count }, (_, i) => `g${i}`);
  const exact = new FlatIndex(gallery.space);
  exact.add(ids, gallery);
  const truth = exact.search(queries, { k: 10 });

  function recall(index: FlatIndex): number {
    index.add(ids, gallery);
    const got = index.search(queries, { k: 10 });
    let hit = 0;
    got.forEach((hits, q) => {
      const want = new Set(truth[q]!.map((h) => h.id));
      hit += hits.filter((h) => want.has(h.id)).length;
    });
    return hit / (10 * queries.count);
  }

  it("re-scoring a shortlist recovers the exact top 10 (recall ≥ 0.99) with exact scores", () => {
    const index = new FlatIndex(gallery.space, { storage: "int8" });
    expect(recall(index)).toBeGreaterThanOrEqual(0.99);
    const [hits] = index.search(queries, { k: 3 });
    expect(hits!.map((h) => h.score)).toEqual(truth[0]!.slice(0, 3).map((h) => expect.closeTo(h.score, 6)));
    expect(index.bytesPerVector()).toBe(64 * 5 + 4);
  });

  it("without re-scoring keeps recall ≥ 0.8 at a quarter of the memory", () => {
    const index = new FlatIndex(gallery.space, { storage: "int8", rescore: false });
    expect(recall(index)).toBeGreaterThanOrEqual(0.8);
    expect(index.bytesPerVector()).toBe(64 + 4);
  });
});
