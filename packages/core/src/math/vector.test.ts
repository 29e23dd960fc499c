import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { nonZeroVector } from "./test-arbitraries.js";
import { cosine, dot, norm, normalize, normalizeRows } from "./vector.js";

describe("normalize", () => {
  it("gives unit norm and is idempotent", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }).chain((d) => nonZeroVector(d, 1e3)),
        (v) => {
          const u = normalize(v);
          expect(Math.abs(norm(u) - 1)).toBeLessThan(1e-6);
          const uu = normalize(u);
          for (let i = 0; i < u.length; i++) expect(Math.abs(uu[i]! - u[i]!)).toBeLessThan(1e-7);
        },
      ),
    );
  });

  it("rejects the zero vector with a typed error instead of NaN", () => {
    expect(() => normalize([0, 0, 0])).toThrowError(expect.objectContaining({ code: "ZERO_VECTOR" }));
    expect(() => normalize([1, Number.NaN])).toThrowError(expect.objectContaining({ code: "NON_FINITE" }));
    let caught: unknown;
    try {
      normalizeRows(new Float32Array([1, 0, 0, 0]), 2);
    } catch (e) {
      caught = e;
    }
    expect(isClipkitError(caught, "ZERO_VECTOR")).toBe(true);
    expect(String((caught as Error).message)).toContain("row 1");
  });

  it("normalizes each row of a batch independently", () => {
    fc.assert(
      fc.property(fc.array(nonZeroVector(5), { minLength: 1, maxLength: 8 }), (rows) => {
        const out = normalizeRows(Float32Array.from(rows.flat()), 5);
        rows.forEach((r, i) => {
          const single = normalize(r);
          for (let k = 0; k < 5; k++) expect(out[i * 5 + k]).toBe(single[k]);
        });
      }),
    );
  });
});

describe("cosine", () => {
  const pair = fc.integer({ min: 1, max: 32 }).chain((d) => fc.tuple(nonZeroVector(d), nonZeroVector(d)));

  it("is symmetric and within [-1, 1]", () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const c = cosine(a, b);
        expect(c).toBe(cosine(b, a));
        expect(c).toBeGreaterThanOrEqual(-1);
        expect(c).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("equals the dot product on unit vectors", () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const ua = normalize(a);
        const ub = normalize(b);
        expect(Math.abs(cosine(ua, ub) - dot(ua, ub))).toBeLessThan(1e-6);
      }),
    );
  });

  it("is invariant to positive scaling", () => {
    fc.assert(
      fc.property(pair, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), ([a, b], s) => {
        const scaled = a.map((v) => v * s);
        expect(Math.abs(cosine(scaled, b) - cosine(a, b))).toBeLessThan(1e-9);
      }),
    );
  });

  it("reproduces the seed's worked example", () => {
    const image = [0.6, 0.8];
    expect(cosine(image, [0.5, 0.866])).toBeCloseTo(0.993, 3);
    expect(cosine(image, [0.8, -0.6])).toBeCloseTo(0, 12);
  });

  it("rejects mismatched lengths", () => {
    expect(() => cosine([1, 2], [1, 2, 3])).toThrowError(expect.objectContaining({ code: "SHAPE_MISMATCH" }));
  });
});
