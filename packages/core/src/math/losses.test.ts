import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sigmoidLoss, symmetricInfoNce } from "./losses.js";
import { batch } from "./test-arbitraries.js";
import { normalizeRows } from "./vector.js";

const unitBatch = (n: number, d: number) => batch(n, d, 1).map((b) => normalizeRows(b, d));
const logScale = fc.double({ min: -1, max: 3, noNaN: true });

/**
 * Central finite difference of f at x[i], Richardson-extrapolated: (4·D(h/2) − D(h)) / 3 cancels
 * the h² truncation term, which at logit scale e³ ≈ 20 was large enough to fail the 1e-3 bound on
 * rare inputs (seed 509388242). h cannot shrink instead: x is stored in float32.
 */
function numericGrad(f: (x: Float32Array) => number, x: Float32Array, i: number, h = 1e-3): number {
  return (4 * centralDiff(f, x, i, h / 2) - centralDiff(f, x, i, h)) / 3;
}

function centralDiff(f: (x: Float32Array) => number, x: Float32Array, i: number, h: number): number {
  // float32 storage limits precision, so evaluate on float64 copies via a closure over Float32Array
  const plus = Float32Array.from(x);
  const minus = Float32Array.from(x);
  plus[i] = x[i]! + h;
  minus[i] = x[i]! - h;
  const hp = plus[i]! - x[i]!;
  const hm = x[i]! - minus[i]!;
  return (f(plus) - f(minus)) / (hp + hm);
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1e-2, Math.abs(a), Math.abs(b));
}

describe("symmetricInfoNce", () => {
  it("is non-negative", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(unitBatch(n, 4), unitBatch(n, 4))),
        logScale,
        ([i, t], s) => {
          expect(symmetricInfoNce(i, t, 4, s).loss).toBeGreaterThanOrEqual(-1e-9);
        },
      ),
    );
  });

  it("is minimised by aligned pairs with orthogonal negatives", () => {
    const n = 4;
    const eye = new Float32Array(n * n);
    for (let i = 0; i < n; i++) eye[i * n + i] = 1;
    const aligned = symmetricInfoNce(eye, eye, n, Math.log(100)).loss;
    expect(aligned).toBeLessThan(1e-10);
    fc.assert(
      fc.property(unitBatch(n, n), unitBatch(n, n), (i, t) => {
        expect(symmetricInfoNce(i, t, n, Math.log(100)).loss).toBeGreaterThanOrEqual(aligned);
      }),
    );
    // Swapping two texts breaks the pairing and must cost more.
    const swapped = Float32Array.from(eye);
    swapped.set(eye.subarray(n, 2 * n), 0);
    swapped.set(eye.subarray(0, n), n);
    expect(symmetricInfoNce(eye, swapped, n, Math.log(100)).loss).toBeGreaterThan(10);
  });

  it("is symmetric under swapping modalities", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(unitBatch(n, 3), unitBatch(n, 3))),
        logScale,
        ([i, t], s) => {
          const a = symmetricInfoNce(i, t, 3, s);
          const b = symmetricInfoNce(t, i, 3, s);
          expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-9);
        },
      ),
    );
  });

  it("has gradients matching central finite differences", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }).chain((n) => fc.tuple(unitBatch(n, 3), unitBatch(n, 3))),
        logScale,
        ([img, txt], s) => {
          const r = symmetricInfoNce(img, txt, 3, s);
          for (let k = 0; k < img.length; k++) {
            const gi = numericGrad((x) => symmetricInfoNce(x, txt, 3, s).loss, img, k);
            const gt = numericGrad((x) => symmetricInfoNce(img, x, 3, s).loss, txt, k);
            expect(relErr(r.gradImages[k]!, gi)).toBeLessThan(1e-3);
            expect(relErr(r.gradTexts[k]!, gt)).toBeLessThan(1e-3);
          }
          const h = 1e-5;
          const gs =
            (symmetricInfoNce(img, txt, 3, s + h).loss - symmetricInfoNce(img, txt, 3, s - h).loss) / (2 * h);
          expect(relErr(r.gradLogScale, gs)).toBeLessThan(1e-3);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("rejects mismatched batches", () => {
    expect(() => symmetricInfoNce(new Float32Array(6), new Float32Array(4), 2, 0)).toThrowError(
      expect.objectContaining({ code: "SHAPE_MISMATCH" }),
    );
  });
});

describe("sigmoidLoss (SigLIP)", () => {
  it("has gradients matching central finite differences, bias included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(unitBatch(n, 3), unitBatch(n, 3))),
        logScale,
        fc.double({ min: -10, max: 10, noNaN: true }),
        ([img, txt], s, b) => {
          const r = sigmoidLoss(img, txt, 3, s, b);
          for (let k = 0; k < img.length; k++) {
            const gi = numericGrad((x) => sigmoidLoss(x, txt, 3, s, b).loss, img, k);
            const gt = numericGrad((x) => sigmoidLoss(img, x, 3, s, b).loss, txt, k);
            expect(relErr(r.gradImages[k]!, gi)).toBeLessThan(1e-3);
            expect(relErr(r.gradTexts[k]!, gt)).toBeLessThan(1e-3);
          }
          const h = 1e-5;
          const gs =
            (sigmoidLoss(img, txt, 3, s + h, b).loss - sigmoidLoss(img, txt, 3, s - h, b).loss) / (2 * h);
          const gb =
            (sigmoidLoss(img, txt, 3, s, b + h).loss - sigmoidLoss(img, txt, 3, s, b - h).loss) / (2 * h);
          expect(relErr(r.gradLogScale, gs)).toBeLessThan(1e-3);
          expect(relErr(r.gradBias, gb)).toBeLessThan(1e-3);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("is positive and decreases as positives align", () => {
    const eye = new Float32Array([1, 0, 0, 1]);
    const bad = new Float32Array([0, 1, 1, 0]);
    const good = sigmoidLoss(eye, eye, 2, Math.log(10), -5).loss;
    expect(good).toBeGreaterThan(0);
    expect(sigmoidLoss(eye, bad, 2, Math.log(10), -5).loss).toBeGreaterThan(good);
  });
});
