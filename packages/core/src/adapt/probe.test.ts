import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEmbeddings } from "../embeddings.js";
import { isClipkitError } from "../errors.js";
import { ZeroShotHead } from "../zeroshot/head.js";
import type { LabelledEmbeddings } from "./data.js";
import { saveAdaptedHead } from "./persist.js";
import { trainLinearProbe, trainZeroShotProbe } from "./probe.js";
import { accuracyOf, centres, clusters, SPACE, zeroShotFor } from "./test-data.js";
import { evaluateHead } from "./train.js";

function top1(head: { classify: ZeroShotHead["classify"] }, data: LabelledEmbeddings): string[] {
  return head.classify(data.embeddings, { topK: 1 }).map((r) => r.top[0]!.label);
}

/** The same rows with the classes renamed through `perm` order (rows untouched). */
function permuteHead(zs: ZeroShotHead, perm: readonly number[]): ZeroShotHead {
  const d = zs.space.dim;
  const weights = new Float32Array(zs.weights.length);
  perm.forEach((from, to) => {
    weights.set(zs.weights.subarray(from * d, (from + 1) * d), to * d);
  });
  return new ZeroShotHead({ ...zs, labels: perm.map((i) => zs.labels[i]!), weights });
}

describe("linear probe", () => {
  it("reaches 100 % on linearly separable data (property over seeds)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 6 }), (seed, classes) => {
        const cs = centres(classes, 8, seed);
        const data = clusters(cs, 5, 0.05, seed + 1, { ...SPACE, dim: 8 });
        const head = trainLinearProbe(data, { lambda: 1e-6, seed });
        expect(accuracyOf(top1(head, data), data.labels)).toBe(1);
      }),
      { numRuns: 15 },
    );
  });

  it("chooses λ by cross-validation and generalises to new samples of the clusters", () => {
    const cs = centres(6, 16, 7);
    const train = clusters(cs, 8, 0.2, 1);
    const test = clusters(cs, 30, 0.2, 2);
    const head = trainLinearProbe(train, { seed: 3 });
    expect(head.adapter.selection).toBe("cv");
    expect(head.adapter.heldOut).toBeDefined();
    expect(head.adapter.shots).toBe(8);
    expect(evaluateHead(head, test).accuracy).toBeGreaterThan(0.9);
  });

  it("the refit, warm-started from the folds' solutions, reaches the fixed-λ optimum", () => {
    const cs = centres(6, 16, 17);
    const train = clusters(cs, 6, 0.3, 9);
    const chosen = trainLinearProbe(train, { seed: 4, tolerance: 1e-9, maxIterations: 500 });
    const lambda = chosen.adapter.hyper.lambda!;
    const cold = trainLinearProbe(train, { lambda, tolerance: 1e-9, maxIterations: 500 });
    let scale = 0;
    for (const v of cold.weights) scale = Math.max(scale, Math.abs(v));
    chosen.weights.forEach((v, i) => {
      expect(Math.abs(v - cold.weights[i]!)).toBeLessThan(1e-3 * scale);
    });
  });

  it("stops the λ path after two grid values that do not improve the held-out score", () => {
    const cs = centres(4, 16, 19);
    const train = clusters(cs, 6, 0.2, 10);
    const fits: number[] = [];
    const head = trainLinearProbe(train, {
      seed: 1,
      folds: 3,
      // λ = 10³ pins W near 0 (chance accuracy): the path must stop two values after 10⁻³.
      lambdaGrid: [1e-3, 1e3, 1e3, 1e3, 1e3],
      onProgress: (done) => fits.push(done),
    });
    expect(head.adapter.hyper.lambda).toBe(1e-3);
    // 3 λ × 3 folds, then the refit (reported as done = total).
    expect(fits.slice(0, -1)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("is deterministic for a seed: identical head bytes", () => {
    const cs = centres(4, 16, 9);
    const train = clusters(cs, 6, 0.4, 4);
    const a = saveAdaptedHead(trainLinearProbe(train, { seed: 11, valFraction: 0.34 }));
    const b = saveAdaptedHead(trainLinearProbe(train, { seed: 11, valFraction: 0.34 }));
    expect(a).toEqual(b);
  });

  it("does not depend on class order (probe and zero-shot probe)", () => {
    const cs = centres(5, 16, 12);
    const train = clusters(cs, 4, 0.4, 5);
    const test = clusters(cs, 10, 0.4, 6);
    const labels = ["c0", "c1", "c2", "c3", "c4"];
    const reversed = [...labels].reverse();
    const p1 = trainLinearProbe(train, { classes: labels, lambda: 1e-3 });
    const p2 = trainLinearProbe(train, { classes: reversed, lambda: 1e-3 });
    expect(top1(p2, test)).toEqual(top1(p1, test));
    const s1 = p1.classify(test.embeddings)[0]!.top;
    const s2 = p2.classify(test.embeddings)[0]!.top;
    s1.forEach((r, i) => {
      expect(s2[i]!.label).toBe(r.label);
      expect(s2[i]!.score).toBeCloseTo(r.score, 4);
    });
    const zs = zeroShotFor(cs, 0.6, 1);
    const z1 = trainZeroShotProbe(zs, train, { seed: 1 });
    const z2 = trainZeroShotProbe(permuteHead(zs, [4, 2, 0, 3, 1]), train, { seed: 1 });
    expect(z2.labels).not.toEqual(z1.labels);
    expect(top1(z2, test)).toEqual(top1(z1, test));
  });

  it("one-vs-rest sigmoid variant learns separable tags (multi-label)", () => {
    const cs = centres(4, 16, 21);
    const base = clusters(cs, 6, 0.05, 8);
    // Tags: the class, plus "even" on even classes: a multi-label set.
    const labels = base.labels.map((l) =>
      Number(String(l).slice(1)) % 2 === 0 ? [l as string, "even"] : [l as string],
    );
    const data = { embeddings: base.embeddings, labels };
    const head = trainLinearProbe(data, { multiLabel: true, lambda: 1e-5 });
    expect(head.adapter.multiLabel).toBe(true);
    const results = head.classify(data.embeddings, { threshold: 0.5 });
    results.forEach((r, i) => {
      expect(r.top.map((t) => t.label).sort()).toEqual([...labels[i]!].sort());
    });
    expect(evaluateHead(head, data).accuracy).toBe(1);
  });

  it("rejects bad input with stable codes", () => {
    const train = clusters(centres(2, 16, 1), 2, 0.1, 1);
    const codes: (() => unknown)[] = [
      () => trainLinearProbe({ embeddings: train.embeddings, labels: ["c0"] }),
      () => trainLinearProbe(train, { lambda: -1 }),
      () => trainLinearProbe(train, { tolerance: Number.NaN }),
      () => trainLinearProbe(train, { classes: ["c0"] }),
      () =>
        trainLinearProbe({
          embeddings: createEmbeddings(new Float32Array(16), 1, SPACE),
          labels: ["c0"],
        }),
    ];
    const expected = [
      "SHAPE_MISMATCH",
      "INVALID_ARGUMENT",
      "INVALID_ARGUMENT",
      "INVALID_ARGUMENT",
      "ZERO_VECTOR",
    ];
    codes.forEach((fn, i) => {
      try {
        fn();
        throw new Error("expected a throw");
      } catch (error) {
        expect(isClipkitError(error, expected[i] as never)).toBe(true);
      }
    });
  });
});

describe("zero-shot-initialised probe", () => {
  it("α = 0 reproduces the zero-shot head's ranking", () => {
    const cs = centres(5, 16, 30);
    const zs = zeroShotFor(cs, 0.5, 2);
    const train = clusters(cs, 3, 0.4, 3);
    const test = clusters(cs, 10, 0.4, 4);
    const head = trainZeroShotProbe(zs, train, { alpha: 0, lambda: 1e-3 });
    expect(top1(head, test)).toEqual(top1(zs, test));
  });

  it("with one shot stays near zero-shot and with more shots improves on a poor zero-shot head", () => {
    const cs = centres(8, 16, 40);
    const zs = zeroShotFor(cs, 0.9, 5); // poor "text" weights
    const test = clusters(cs, 20, 0.4, 6);
    const zsAcc = accuracyOf(top1(zs, test), test.labels);
    const one = trainZeroShotProbe(zs, clusters(cs, 1, 0.4, 7));
    expect(one.adapter.selection).toBe("default");
    const eight = trainZeroShotProbe(zs, clusters(cs, 8, 0.4, 8), { seed: 2 });
    expect(eight.adapter.selection).toBe("cv");
    expect(evaluateHead(eight, test).accuracy).toBeGreaterThan(zsAcc);
  });

  it("rejects training labels the zero-shot head does not know", () => {
    const cs = centres(2, 16, 1);
    const zs = zeroShotFor(cs, 0.1, 1);
    const data = clusters(centres(3, 16, 2), 2, 0.1, 1);
    expect(() => trainZeroShotProbe(zs, data, { classes: ["c0", "c1", "c2"] })).toThrow(/not a class/);
  });
});
