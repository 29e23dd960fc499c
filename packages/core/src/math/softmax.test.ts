import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { logSigmoid, logSoftmax, scaledSigmoid, sigmoid, softmax } from "./softmax.js";
import { finite } from "./test-arbitraries.js";

const logits = fc.array(finite(20), { minLength: 1, maxLength: 50 });
const scale = fc.double({ min: 0.01, max: 100, noNaN: true });

describe("softmax", () => {
  it("sums to 1 and is non-negative", () => {
    fc.assert(
      fc.property(logits, scale, (x, s) => {
        const p = softmax(x, s);
        let sum = 0;
        for (const v of p) {
          expect(v).toBeGreaterThanOrEqual(0);
          sum += v;
        }
        expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
      }),
    );
  });

  it("is shift-invariant", () => {
    fc.assert(
      fc.property(logits, scale, fc.double({ min: -50, max: 50, noNaN: true }), (x, s, c) => {
        const a = softmax(x, s);
        const b = softmax(
          x.map((v) => v + c),
          s,
        );
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
      }),
    );
  });

  it("preserves order", () => {
    fc.assert(
      fc.property(logits, scale, (x, s) => {
        const p = softmax(x, s);
        for (let i = 0; i < x.length; i++) {
          for (let j = 0; j < x.length; j++) {
            if (x[i]! > x[j]!) expect(p[i]!).toBeGreaterThanOrEqual(p[j]!);
          }
        }
      }),
    );
  });

  it("agrees with exp(logSoftmax) and survives huge logits", () => {
    fc.assert(
      fc.property(logits, scale, (x, s) => {
        const p = softmax(x, s);
        const lp = logSoftmax(x, s);
        for (let i = 0; i < x.length; i++) expect(Math.abs(Math.exp(lp[i]!) - p[i]!)).toBeLessThan(1e-6);
      }),
    );
    const p = softmax([1000, 999], 100);
    expect(Number.isFinite(p[0]!)).toBe(true);
    expect(p[0]! + p[1]!).toBeCloseTo(1, 6);
  });

  it("puts all mass on a single label (the one-label pitfall)", () => {
    expect(softmax([0.01], 100)[0]).toBe(1);
  });

  it("rejects a non-finite scale", () => {
    expect(() => softmax([1], Number.NaN)).toThrowError(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});

describe("sigmoid", () => {
  it("is stable, in (0,1) and matches log-sigmoid", () => {
    fc.assert(
      fc.property(fc.double({ min: -700, max: 700, noNaN: true }), (z) => {
        const s = sigmoid(z);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
        expect(sigmoid(-z)).toBeCloseTo(1 - s, 12);
        if (s > 1e-300) expect(Math.abs(logSigmoid(z) - Math.log(s))).toBeLessThan(1e-9);
      }),
    );
  });

  it("applies SigLIP's scale and bias", () => {
    const out = scaledSigmoid([0.1, -0.2], 10, -2);
    expect(out[0]).toBeCloseTo(sigmoid(-1), 6);
    expect(out[1]).toBeCloseTo(sigmoid(-4), 6);
  });
});
