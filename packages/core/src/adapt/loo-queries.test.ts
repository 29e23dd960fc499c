import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEmbeddings } from "../embeddings.js";
import { isClipkitError } from "../errors.js";
import { prepareData, stratifiedSample } from "./data.js";
import { saveAdaptedHead } from "./persist.js";
import { centres, clusters, zeroShotFor } from "./test-data.js";
import { buildTipAdapter, DEFAULT_TIP_LOO_PAIRS, DEFAULT_TIP_LOO_QUERIES, defaultLooQueries } from "./tip.js";

describe("stratified sample", () => {
  it("takes count rows, each class in proportion to its size (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer(),
        (sizes, count, seed) => {
          const cs = centres(sizes.length, 4, 1);
          const labels: string[] = [];
          const rows: Float32Array[] = [];
          sizes.forEach((s, k) => {
            for (let i = 0; i < s; i++) {
              labels.push(`c${k}`);
              rows.push(cs[k]!);
            }
          });
          const n = labels.length;
          const x = new Float32Array(n * 4);
          for (const [i, r] of rows.entries()) x.set(r, i * 4);
          const data = prepareData(
            { embeddings: createEmbeddings(x, n, { id: "s", dim: 4, normalized: true }), labels },
            sizes.map((_, k) => `c${k}`),
            false,
          );
          const picked = stratifiedSample(data, count, seed);
          expect(picked.length).toBe(Math.min(count, n));
          expect(new Set(picked).size).toBe(picked.length);
          expect([...picked].sort((a, b) => a - b)).toEqual(picked);
          expect(stratifiedSample(data, count, seed)).toEqual(picked);
          const per = new Map<number, number>();
          for (const r of picked) per.set(data.y[r]!, (per.get(data.y[r]!) ?? 0) + 1);
          sizes.forEach((s, k) => {
            const share = (Math.min(count, n) * s) / n;
            const got = per.get(k) ?? 0;
            expect(got).toBeGreaterThanOrEqual(Math.floor(share));
            expect(got).toBeLessThanOrEqual(Math.ceil(share));
          });
        },
      ),
    );
  });
});

describe("default leave-one-out query cap", () => {
  it("scores every example up to 4,096, else at most 2²⁴ pairs but never under 1,024 queries (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (n) => {
        const cap = defaultLooQueries(n);
        expect(Number.isInteger(cap)).toBe(true);
        expect(cap).toBeGreaterThanOrEqual(DEFAULT_TIP_LOO_QUERIES);
        if (n <= 4096) expect(cap).toBeGreaterThanOrEqual(n);
        // Within the pair budget unless the query floor applies, and never needlessly below it.
        if (cap > DEFAULT_TIP_LOO_QUERIES) expect(cap * n).toBeLessThanOrEqual(DEFAULT_TIP_LOO_PAIRS);
        expect((cap + 1) * n).toBeGreaterThan(DEFAULT_TIP_LOO_PAIRS);
        // More examples never mean more queries.
        expect(defaultLooQueries(n + 1)).toBeLessThanOrEqual(cap);
      }),
    );
    expect(defaultLooQueries(16_000)).toBe(1048);
  });
});

describe("Tip-Adapter leave-one-out query cap", () => {
  const cs = centres(12, 16, 21);
  const zs = zeroShotFor(cs, 0.9, 22);
  const train = clusters(cs, 6, 0.4, 23);

  it("leaves data sets at or below the cap untouched (default cap included)", () => {
    expect(train.labels.length).toBeLessThan(defaultLooQueries(train.labels.length));
    const all = buildTipAdapter(zs, train, { looQueries: Number.POSITIVE_INFINITY });
    for (const head of [buildTipAdapter(zs, train), buildTipAdapter(zs, train, { looQueries: 72 })]) {
      expect(head.adapter).toEqual(all.adapter);
      expect(head.adapter.looQueries).toBeUndefined();
      expect(saveAdaptedHead(head)).toEqual(saveAdaptedHead(all));
    }
  });

  it("scores a seeded stratified sample of queries, records it, and stays deterministic", () => {
    const capped = buildTipAdapter(zs, train, { looQueries: 24, seed: 3 });
    expect(capped.adapter.selection).toBe("loo");
    expect(capped.adapter.looQueries).toBe(24);
    // Every example stays a key of the cache.
    expect(capped.cache?.labels.length).toBe(72);
    expect(saveAdaptedHead(buildTipAdapter(zs, train, { looQueries: 24, seed: 3 }))).toEqual(
      saveAdaptedHead(capped),
    );
    // The held-out score is over 24 queries: a multiple of 1/24.
    const correct = capped.adapter.heldOut!.accuracy * 24;
    expect(Math.abs(correct - Math.round(correct))).toBeLessThan(1e-9);
  });

  it("rejects a cap that is not a positive integer", () => {
    for (const looQueries of [0, -1, 2.5, Number.NaN]) {
      try {
        buildTipAdapter(zs, train, { looQueries });
        expect.unreachable();
      } catch (error) {
        expect(isClipkitError(error, "INVALID_ARGUMENT")).toBe(true);
      }
    }
  });
});
