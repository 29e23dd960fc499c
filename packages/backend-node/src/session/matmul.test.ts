import {
  ADAPTER_METHODS,
  createEmbeddings,
  isClipkitError,
  type LabelledEmbeddings,
  saveAdaptedHead,
  seededRandom,
  trainHead,
  trainHeadAsync,
  ZeroShotHead,
} from "@clipkit/core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { checkAbt, checkAbtInto } from "../../../core/src/backend/testing.js";
import { nodeBackend } from "./create.js";
import { nodeMatMul } from "./matmul.js";

describe("matmul (A·Bᵀ) on onnxruntime-node", () => {
  const gemm = nodeMatMul();
  afterAll(() => gemm.release());

  it("equals the float64 product up to float32 rounding: random shapes, 1-row, odd k (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer(),
        // Longer buffers than the sizes say (spare): only the first m·k / n·k values count.
        (m, n, k, spare, seed) => checkAbt(gemm, m, n, k, seed, spare),
      ),
      { numRuns: 80 },
    );
  });

  it("writes into a caller's `out` in place, bit-identical to a returned product (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer(),
        async (m, n, k, spare, seed) => {
          // A view into a larger buffer: only out[0 … m·n) is written, the spare tail is kept.
          const backing = new Float32Array(m * n + spare + 2).fill(-7);
          const out = backing.subarray(1, 1 + m * n + spare);
          await checkAbtInto(gemm, m, n, k, seed, out);
          expect([backing[0], ...out.subarray(m * n), backing[backing.length - 1]]).toEqual(
            new Array(spare + 2).fill(-7),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it("returns empty or zero products without the runtime, and rejects short buffers", async () => {
    expect(await gemm.abt(new Float32Array(0), new Float32Array(6), 0, 3, 2)).toEqual(new Float32Array(0));
    expect(await gemm.abt(new Float32Array(0), new Float32Array(0), 2, 3, 0)).toEqual(new Float32Array(6));
    for (const [a, b, m, n, k] of [
      [new Float32Array(5), new Float32Array(6), 3, 3, 2],
      [new Float32Array(6), new Float32Array(5), 3, 3, 2],
      [new Float32Array(6), new Float32Array(6), 3, 3, 2.5],
      [new Float32Array(6), new Float32Array(6), -3, 3, 2],
    ] as const) {
      await expect(gemm.abt(a, b, m, n, k)).rejects.toSatisfy((e) => isClipkitError(e, "INVALID_ARGUMENT"));
    }
    const six = new Float32Array(6);
    await expect(gemm.abt(six, six, 3, 3, 2, new Float32Array(8))).rejects.toSatisfy(
      (e) => isClipkitError(e, "INVALID_ARGUMENT") && e.details?.argument === "out",
    );
    expect(await gemm.abt(six, six, 2, 3, 0, new Float32Array(7).fill(5))).toEqual(
      Float32Array.of(0, 0, 0, 0, 0, 0, 5),
    );
  });

  it("is nodeBackend().matmul(), and a released one reopens", async () => {
    const other = nodeBackend({ intraOpThreads: 1 }).matmul!();
    const a = Float32Array.of(1, 2, 3, 4, 5, 6);
    expect([...(await other.abt(a, a, 2, 2, 3))]).toEqual([14, 32, 32, 77]);
    await other.release();
    expect([...(await other.abt(a, a, 1, 2, 3))]).toEqual([14, 32]);
    await other.release();
  });
});

/** `classes × shots` noisy unit vectors around random centres, and a noisy zero-shot head. */
function clustered(classes: number, shots: number, dim: number, seed: number) {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
  const unit = (v: Float32Array) => {
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const space = { id: "test/matmul", dim, normalized: true };
  const centres = Array.from({ length: classes }, () => unit(Float32Array.from({ length: dim }, gauss)));
  const sample = (count: number): LabelledEmbeddings => {
    const data = new Float32Array(classes * count * dim);
    const labels: string[] = [];
    centres.forEach((c, k) => {
      for (let s = 0; s < count; s++) {
        data.set(unit(c.map((x) => x + 0.35 * gauss())), labels.length * dim);
        labels.push(`c${k}`);
      }
    });
    return { embeddings: createEmbeddings(data, labels.length, space), labels };
  };
  const weights = new Float32Array(classes * dim);
  centres.forEach((c, k) => {
    weights.set(unit(c.map((x) => x + 0.6 * gauss())), k * dim);
  });
  const zeroShot = new ZeroShotHead({
    labels: centres.map((_, k) => `c${k}`),
    weights,
    space,
    scoring: { kind: "softmax", logitScale: 50 },
    promptsHash: "test",
  });
  return { train: sample(shots), test: sample(4), zeroShot };
}

describe("trainHeadAsync on onnxruntime-node's GEMM", () => {
  const { train, test, zeroShot } = clustered(12, 5, 32, 7);
  const backend = nodeBackend({ intraOpThreads: 1 });

  it.each(ADAPTER_METHODS.map((m) => [m]))(
    "%s: same chosen hyper-parameters as trainHead, logits within float32 rounding, deterministic",
    async (method) => {
      // A tight tolerance: at the default (10⁻⁴) float32 rounding can move a fit's stopping
      // iteration by one, a difference in the optimiser's path rather than in the products.
      const options = { zeroShot, seed: 3, epochs: 3, maxIterations: 40, tolerance: 1e-6 };
      const sync = trainHead(method, train, options);
      const run = () => trainHeadAsync(method, train, { ...options, backend, minMultiplyAdds: 0 });
      const head = await run();
      expect(head.adapter.selection).toBe(sync.adapter.selection);
      expect(head.adapter.hyper).toEqual(
        Object.fromEntries(Object.entries(sync.adapter.hyper).map(([k, v]) => [k, expect.closeTo(v, 12)])),
      );
      const zs = sync.logits(test.embeddings);
      const za = head.logits(test.embeddings);
      let scale = 0;
      for (const v of zs) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < zs.length; i++) expect(Math.abs(za[i]! - zs[i]!)).toBeLessThan(2e-3 * scale + 1e-3);
      expect(saveAdaptedHead(await run())).toEqual(saveAdaptedHead(head));
    },
  );
});
