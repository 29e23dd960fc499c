import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ensembleMean } from "./ensemble.js";
import { nonZeroVector } from "./test-arbitraries.js";
import { norm, normalize } from "./vector.js";

describe("ensembleMean", () => {
  it("of one template equals that template's normalised embedding", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 32 }).chain((d) => nonZeroVector(d)),
        (v) => {
          const e = ensembleMean(Float32Array.from(v), v.length);
          const n = normalize(v);
          for (let i = 0; i < v.length; i++) expect(Math.abs(e[i]! - n[i]!)).toBeLessThan(1e-6);
        },
      ),
    );
  });

  it("is order-invariant and unit length", () => {
    const rows = fc.array(fc.float({ min: Math.fround(0.1), max: 10, noNaN: true }), {
      minLength: 6,
      maxLength: 6,
    });
    fc.assert(
      fc.property(fc.array(rows, { minLength: 1, maxLength: 6 }), fc.nat(), (rs, seed) => {
        const shuffled = [...rs].sort((a, b) => ((a[0]! * 7919 + seed) % 13) - ((b[0]! * 7919 + seed) % 13));
        const a = ensembleMean(Float32Array.from(rs.flat()), 6);
        const b = ensembleMean(Float32Array.from(shuffled.flat()), 6);
        for (let i = 0; i < 6; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-6);
        expect(Math.abs(norm(a) - 1)).toBeLessThan(1e-6);
      }),
    );
  });

  it("weights prompts equally regardless of their raw norms", () => {
    const e = ensembleMean(new Float32Array([100, 0, 0, 1]), 2);
    expect(e[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(e[1]).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it("rejects cancelling or empty input", () => {
    expect(() => ensembleMean(new Float32Array([1, 0, -1, 0]), 2)).toThrowError(
      expect.objectContaining({ code: "ZERO_VECTOR" }),
    );
    expect(() => ensembleMean(new Float32Array([]), 2)).toThrowError(
      expect.objectContaining({ code: "SHAPE_MISMATCH" }),
    );
  });
});
