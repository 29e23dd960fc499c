import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prepareData } from "./data.js";
import { saveAdaptedHead } from "./persist.js";
import { runSteps } from "./steps.js";
import { accuracyOf, centres, clusters, zeroShotFor } from "./test-data.js";
import { betaPowers, buildTipAdapter, trainTipAdapterF } from "./tip.js";
import { cacheLossGradient, cacheLossGradientSteps, cacheLossScratch, fineTuneKeys } from "./tip-finetune.js";
import { evaluateHead } from "./train.js";
import { zeroShotWeights } from "./zeroshot-weights.js";

describe("Tip-Adapter", () => {
  it("α = 0 is the zero-shot head; a sharp, heavy cache recalls its own shots", () => {
    const cs = centres(6, 16, 1);
    const zs = zeroShotFor(cs, 0.8, 2);
    const train = clusters(cs, 4, 0.3, 3);
    const test = clusters(cs, 10, 0.3, 4);
    const plain = buildTipAdapter(zs, train, { alpha: 0, beta: 5 });
    const z = zs.classify(test.embeddings, { topK: 1 }).map((r) => r.top[0]!.label);
    expect(plain.classify(test.embeddings, { topK: 1 }).map((r) => r.top[0]!.label)).toEqual(z);
    const recall = buildTipAdapter(zs, train, { alpha: 1000, beta: 50 });
    expect(evaluateHead(recall, train).accuracy).toBe(1);
  });

  it("searches (α, β) by leave-one-out and beats a poor zero-shot head", () => {
    const cs = centres(8, 16, 5);
    const zs = zeroShotFor(cs, 0.9, 6);
    const test = clusters(cs, 20, 0.4, 7);
    const zsAcc = accuracyOf(
      zs.classify(test.embeddings, { topK: 1 }).map((r) => r.top[0]!.label),
      test.labels,
    );
    const head = buildTipAdapter(zs, clusters(cs, 8, 0.4, 8));
    expect(head.adapter.selection).toBe("loo");
    expect(head.adapter.hyper.alpha).toBeGreaterThan(0);
    expect(evaluateHead(head, test).accuracy).toBeGreaterThan(zsAcc);
    const one = buildTipAdapter(zs, clusters(cs, 1, 0.4, 8));
    expect(one.adapter.selection).toBe("default");
    expect(one.adapter.hyper).toEqual({ alpha: 1, beta: 5.5 });
  });

  it("uses an explicit validation set when given", () => {
    const cs = centres(4, 16, 9);
    const zs = zeroShotFor(cs, 0.5, 1);
    const head = buildTipAdapter(zs, clusters(cs, 3, 0.4, 2), { validation: clusters(cs, 5, 0.4, 3) });
    expect(head.adapter.selection).toBe("validation");
    expect(head.adapter.heldOut?.accuracy).toBeGreaterThan(0);
  });
});

describe("Tip-Adapter-F", () => {
  it("key gradients match central finite differences (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const cs = centres(3, 6, seed);
        const data = prepareData(clusters(cs, 3, 0.5, seed + 1), ["c0", "c1", "c2"], false);
        const zs = zeroShotWeights(zeroShotFor(cs, 0.5, seed + 2), ["c0", "c1", "c2"]);
        const problem = { data, zs, scale: 20, weight: 3, beta: 4 };
        const keys = Float32Array.from(data.x);
        const rows = [0, 4, 8, 2];
        const grad = new Float64Array(keys.length);
        cacheLossGradient(problem, keys, rows, grad);
        const scratch = new Float64Array(keys.length);
        const h = 1e-2;
        for (let t = 0; t < keys.length; t++) {
          const plus = Float32Array.from(keys);
          const minus = Float32Array.from(keys);
          plus[t]! += h;
          minus[t]! -= h;
          const fd =
            (cacheLossGradient(problem, plus, rows, scratch) -
              cacheLossGradient(problem, minus, rows, scratch)) /
            (plus[t]! - minus[t]!);
          expect(Math.abs(fd - grad[t]!)).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
        }
      }),
      { numRuns: 20 },
    );
  });

  it("reused batch buffers give the gradients of fresh ones, batch sizes shrinking and growing", () => {
    const cs = centres(4, 8, 11);
    const data = prepareData(clusters(cs, 5, 0.5, 12), ["c0", "c1", "c2", "c3"], false);
    const zs = zeroShotWeights(zeroShotFor(cs, 0.5, 13), ["c0", "c1", "c2", "c3"]);
    const problem = { data, zs, scale: 20, weight: 3, beta: 4 };
    const keys = Float32Array.from(data.x);
    const scratch = cacheLossScratch(8, data.n);
    // 8 rows (no padding), 5 (padded to 8, stale columns from the first batch), 2, then 8 again.
    for (const rows of [
      [0, 3, 5, 7, 9, 11, 13, 19],
      [1, 2, 4, 6, 8],
      [10, 12],
      [14, 15, 16, 17, 18, 0, 1, 2],
    ]) {
      const fresh = new Float32Array(keys.length);
      const reused = new Float32Array(keys.length);
      const lossFresh = cacheLossGradient(problem, keys, rows, fresh);
      expect(runSteps(cacheLossGradientSteps(problem, keys, rows, reused, scratch))).toBe(lossFresh);
      expect(reused).toEqual(fresh);
    }
  });

  it("fine-tuning lowers the training loss, and is deterministic for a seed", () => {
    const cs = centres(5, 16, 3);
    const zsHead = zeroShotFor(cs, 0.8, 4);
    const train = clusters(cs, 6, 0.5, 5);
    const data = prepareData(train, zsHead.labels, false);
    const zs = zeroShotWeights(zsHead, zsHead.labels);
    const { losses } = fineTuneKeys(data, zs, 50, 1, 5.5, {
      epochs: 30,
      learningRate: 1e-2,
      batchSize: 8,
      seed: 1,
    });
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    const a = saveAdaptedHead(trainTipAdapterF(zsHead, train, { seed: 3, epochs: 3 }));
    const b = saveAdaptedHead(trainTipAdapterF(zsHead, train, { seed: 3, epochs: 3 }));
    expect(a).toEqual(b);
  });
});

describe("betaPowers (the leave-one-out kernel trick)", () => {
  it("h^(2β) from repeated squares equals exp(−β(1 − s)) to 1e-12, and non-half-integer β fall back to exp", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 1023 }),
        (s, twice) => {
          const { bits, table } = betaPowers([twice / 2, 0.3]);
          expect(bits[1]).toBeUndefined();
          const h = [Math.exp((s - 1) / 2)];
          for (let t = 1; t < table; t++) h.push(h[t - 1]! * h[t - 1]!);
          const v = bits[0]!.reduce((p, t) => p * h[t]!, 1);
          const want = Math.exp((-twice / 2) * (1 - s));
          expect(Math.abs(v - want)).toBeLessThanOrEqual(1e-12 * want + 1e-300);
        },
      ),
    );
  });
});
