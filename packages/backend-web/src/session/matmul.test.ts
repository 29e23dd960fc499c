import { seededRandom } from "@clipkit/core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { webBackend } from "./create.js";

// The same capability on onnxruntime-web's wasm build (run in Node here).
describe("webBackend().matmul", () => {
  const gemm = webBackend({ numThreads: 1 }).matmul!();
  afterAll(() => gemm.release());

  it("computes A·Bᵀ up to float32 rounding: random shapes, 1-row, odd k (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 37 }),
        fc.integer(),
        async (m, n, k, seed) => {
          const random = seededRandom(seed);
          const a = Float32Array.from({ length: m * k }, () => random() * 2 - 1);
          const b = Float32Array.from({ length: n * k }, () => random() * 2 - 1);
          const out = await gemm.abt(a, b, m, n, k);
          expect(out.length).toBe(m * n);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let c = 0;
              let mag = 0;
              for (let t = 0; t < k; t++) {
                c += a[i * k + t]! * b[j * k + t]!;
                mag += Math.abs(a[i * k + t]! * b[j * k + t]!);
              }
              expect(Math.abs(out[i * n + j]! - c)).toBeLessThanOrEqual(1e-6 * (k + 2) * mag + 1e-30);
            }
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("fills a caller's `out` (copied from onnxruntime-web's result), bit-identical (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 33 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer(),
        async (m, n, k, spare, seed) => {
          const random = seededRandom(seed);
          const a = Float32Array.from({ length: m * k }, () => random() * 2 - 1);
          const b = Float32Array.from({ length: n * k }, () => random() * 2 - 1);
          const expected = await gemm.abt(a, b, m, n, k);
          const out = new Float32Array(m * n + spare).fill(-7);
          expect(await gemm.abt(a, b, m, n, k, out)).toBe(out);
          expect(out.subarray(0, m * n)).toEqual(expected);
          expect([...out.subarray(m * n)]).toEqual(new Array(spare).fill(-7));
        },
      ),
      { numRuns: 20 },
    );
  });
});
