import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MatMul } from "../backend/matmul.js";
import type { Backend } from "../backend/session.js";
import { matmulABt } from "./gemm.js";
import type { AdapterMethod } from "./head.js";
import { saveAdaptedHead } from "./persist.js";
import { product, runSteps, runStepsAsync, type Steps } from "./steps.js";
import { centres, clusters, zeroShotFor } from "./test-data.js";
import { ADAPTER_METHODS, trainHead, trainHeadAsync } from "./train.js";

/**
 * A second GEMM in plain JavaScript: float64 sums in row order, rounded to float32 like a
 * runtime's output. It differs from the WebAssembly kernel (float32 accumulation in SIMD lanes)
 * by rounding only, as onnxruntime's does; the backend packages run the same checks on MLAS.
 */
function jsMatMul(): MatMul & { calls: number; released: number } {
  const gemm = {
    calls: 0,
    released: 0,
    async abt(a: Float32Array, b: Float32Array, m: number, n: number, k: number, into?: Float32Array) {
      gemm.calls++;
      const out = into ?? new Float32Array(m * n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let t = 0; t < k; t++) s += a[i * k + t]! * b[j * k + t]!;
          out[i * n + j] = s;
        }
      }
      return out;
    },
    async release() {
      gemm.released++;
    },
  };
  return gemm;
}

/** A chain of dependent products: each step's output, rescaled, feeds the next one's left operand. */
function* chain(
  a0: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  rounds: number,
): Steps<Float32Array> {
  let a = a0;
  let out = a0;
  for (let r = 0; r < rounds; r++) {
    out = yield* product(a, b, m, k, k, new Float32Array(m * k));
    let norm = 0;
    for (const v of out) norm = Math.max(norm, Math.abs(v));
    a = out.map((v) => v / (norm || 1));
  }
  return out;
}

describe("training steps: one algorithm, two drivers", () => {
  it("the sync driver answers with matmulABt; the async driver agrees up to float32 rounding (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        async (m, k, rounds, seed) => {
          const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(seed + i * 1.3));
          const b = Float32Array.from({ length: k * k }, (_, i) => Math.cos(seed * 0.7 + i));
          const sync = runSteps(chain(a, b, m, k, 1));
          expect(sync).toEqual(matmulABt(a, b, m, k, k, new Float32Array(m * k)));
          const many = runSteps(chain(a, b, m, k, rounds));
          const gemm = jsMatMul();
          const other = await runStepsAsync(chain(a, b, m, k, rounds), gemm, { minMultiplyAdds: 0 });
          expect(gemm.calls).toBe(rounds);
          for (let i = 0; i < many.length; i++) expect(Math.abs(other[i]! - many[i]!)).toBeLessThan(1e-4);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("keeps products below minMultiplyAdds and exact (float64) ones on the kernel", async () => {
    const gemm = jsMatMul();
    const a = Float32Array.of(1, 2, 3, 4);
    function* two(): Steps<number> {
      const x = yield* product(a, a, 1, 1, 4);
      const y = yield* product(Float64Array.from(a), Float64Array.from(a), 1, 1, 4, undefined, true);
      return x[0]! + y[0]!;
    }
    expect(await runStepsAsync(two(), gemm, { minMultiplyAdds: 5 })).toBe(60);
    expect(gemm.calls).toBe(0);
    expect(await runStepsAsync(two(), gemm, { minMultiplyAdds: 4 })).toBe(60);
    expect(gemm.calls).toBe(1);
  });

  it("hands float32 destinations to the GEMM as `out`; float64 ones share one scratch buffer", async () => {
    const outs: (Float32Array | undefined)[] = [];
    const inner = jsMatMul();
    const gemm: MatMul = {
      abt: (a, b, m, n, k, out) => {
        outs.push(out);
        return inner.abt(a, b, m, n, k, out);
      },
      release: () => inner.release(),
    };
    const a = Float32Array.from({ length: 12 }, (_, i) => i - 5);
    const f32 = new Float32Array(9);
    function* three(): Steps<number[]> {
      const x = yield* product(a, a, 3, 3, 4, f32);
      const y = yield* product(a, a, 3, 3, 4);
      const z = yield* product(a, a, 2, 2, 4);
      return [...x, ...y, ...z];
    }
    const got = await runStepsAsync(three(), gemm, { minMultiplyAdds: 0 });
    expect(got).toEqual(runSteps(three()));
    expect(outs[0]).toBe(f32);
    expect(outs[1]).toBeInstanceOf(Float32Array);
    expect(outs[2]).toBe(outs[1]); // the smaller float64 product reuses the scratch buffer
  });

  const cs = centres(10, 16, 31);
  const zeroShot = zeroShotFor(cs, 0.8, 32);
  const train = clusters(cs, 6, 0.4, 33);
  const test = clusters(cs, 5, 0.4, 34);

  it.each(ADAPTER_METHODS.map((m) => [m]))(
    "%s: trainHeadAsync chooses what trainHead chooses, logits within float32 rounding",
    async (method: AdapterMethod) => {
      // A tight tolerance: at the default (10⁻⁴) float32 rounding can move a fit's stopping
      // iteration by one, a difference in the optimiser's path rather than in the products.
      const options = { zeroShot, seed: 2, epochs: 3, maxIterations: 30, tolerance: 1e-6 };
      const sync = trainHead(method, train, options);
      const gemm = jsMatMul();
      const async = await trainHeadAsync(method, train, { ...options, matmul: gemm, minMultiplyAdds: 0 });
      expect(gemm.calls).toBeGreaterThan(0);
      expect(gemm.released).toBe(0); // a GEMM passed in is the caller's to release
      expect(async.adapter.selection).toBe(sync.adapter.selection);
      expect(Object.keys(async.adapter.hyper)).toEqual(Object.keys(sync.adapter.hyper));
      for (const [name, value] of Object.entries(sync.adapter.hyper)) {
        if (name === "lambda" || name === "alpha" || name === "beta" || name === "epochs") {
          expect(async.adapter.hyper[name]).toBe(value);
        }
      }
      const zs = sync.logits(test.embeddings);
      const za = async.logits(test.embeddings);
      let scale = 0;
      for (const v of zs) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < zs.length; i++) expect(Math.abs(za[i]! - zs[i]!)).toBeLessThan(2e-3 * scale + 1e-3);
    },
  );

  it("opens and releases the backend's GEMM; without the capability it is trainHead", async () => {
    const gemm = jsMatMul();
    const backend: Backend = {
      name: "js",
      createSession: () => Promise.reject(new Error("no sessions here")),
      matmul: () => gemm,
    };
    const options = { zeroShot, seed: 1 };
    await trainHeadAsync("tip", train, { ...options, backend, minMultiplyAdds: 0 });
    expect(gemm.calls).toBeGreaterThan(0);
    expect(gemm.released).toBe(1);
    const bare: Backend = { name: "bare", createSession: backend.createSession };
    const expected = saveAdaptedHead(trainHead("zs-probe", train, options));
    expect(saveAdaptedHead(await trainHeadAsync("zs-probe", train, { ...options, backend: bare }))).toEqual(
      expected,
    );
    // Every product under the threshold: the kernel answers each one, bit for bit.
    const small = await trainHeadAsync("zs-probe", train, { ...options, backend, minMultiplyAdds: Infinity });
    expect(saveAdaptedHead(small)).toEqual(expected);
  });
});
