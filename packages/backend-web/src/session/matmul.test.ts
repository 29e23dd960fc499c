import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { checkAbt, checkAbtInto } from "../../../core/src/backend/testing.js";
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
        (m, n, k, seed) => checkAbt(gemm, m, n, k, seed),
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
          const out = new Float32Array(m * n + spare).fill(-7);
          await checkAbtInto(gemm, m, n, k, seed, out);
          expect([...out.subarray(m * n)]).toEqual(new Array(spare).fill(-7));
        },
      ),
      { numRuns: 20 },
    );
  });
});
