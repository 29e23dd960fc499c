import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scanTopK } from "./kernels.js";
import { createSimdDot } from "./simd-dot.js";

describe("scan kernels", () => {
  it("WebAssembly SIMD is available in this runtime (else the JS fallback would silently be tested twice)", () => {
    expect(createSimdDot()).toBeDefined();
  });

  it("growing past wasm32's 4 GiB is a ClipkitError, not a RangeError (nothing is allocated)", () => {
    const kernel = createSimdDot()!;
    expect(() => kernel.reserve(5 * 2 ** 30)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    kernel.reserve(1 << 20); // still usable
    expect(kernel.bytes()).toBeGreaterThanOrEqual(1 << 20);
  });

  it("SIMD and JS kernels return the same top-k (float32 vs float64 accumulation)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).map((d) => d * 4),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer(),
        (dim, ni, nq, k, seed) => {
          let s = seed >>> 0 || 1;
          const rnd = () => {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            return s / 2 ** 32 - 0.5;
          };
          const items = Float32Array.from({ length: ni * dim }, rnd);
          const queries = Float32Array.from({ length: nq * dim }, rnd);
          const allowed = Uint8Array.from({ length: ni }, () => (rnd() > -0.3 ? 1 : 0));
          const simd = scanTopK({ queries, items, nq, ni, dim, allowed }, k);
          const js = scanTopK({ queries, items, nq, ni, dim, allowed, simd: false }, k);
          simd.forEach((h, q) => {
            const a = h.sorted();
            const b = js[q]!.sorted();
            expect(a.map((x) => x.score)).toEqual(b.map((x) => expect.closeTo(x.score, 4)));
            // Near-ties may swap under float32 rounding; the index sets agree otherwise.
            const gap = a.length > 1 ? Math.min(...a.slice(1).map((x, i) => a[i]!.score - x.score)) : 1;
            if (gap > 1e-4) expect(a.map((x) => x.index)).toEqual(b.map((x) => x.index));
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("int8 SIMD and JS kernels give identical scores and ranks (exact integer sums)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).map((d) => d * 16),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer(),
        (dim, ni, nq, k, seed) => {
          let s = seed >>> 0 || 1;
          const code = () => {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            return (s % 255) - 127;
          };
          const items = Int8Array.from({ length: ni * dim }, code);
          const queries = Int8Array.from({ length: nq * dim }, code);
          const itemScale = Float32Array.from({ length: ni }, () => 0.01 + (code() + 127) / 5000);
          const queryScale = Float32Array.from({ length: nq }, () => 0.01 + (code() + 127) / 5000);
          const input = { queries, items, nq, ni, dim, itemScale, queryScale };
          const simd = scanTopK(input, k);
          const js = scanTopK({ ...input, simd: false }, k);
          for (let q = 0; q < nq; q++) expect(simd[q]!.sorted()).toEqual(js[q]!.sorted());
        },
      ),
      { numRuns: 60 },
    );
  });
});
