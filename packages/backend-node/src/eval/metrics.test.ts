import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { retrievalMetrics, zeroShotMetrics } from "./metrics.js";

/** Naive reference: rank = number of classes scoring higher, ties broken by lower index. */
function naiveRank(row: ArrayLike<number>, target: number): number {
  let rank = 0;
  for (let j = 0; j < row.length; j++) {
    if (row[j]! > row[target]! || (row[j] === row[target] && j < target)) rank++;
  }
  return rank;
}

const matrix = fc
  .record({ rows: fc.integer({ min: 1, max: 12 }), cols: fc.integer({ min: 1, max: 9 }) })
  .chain(({ rows, cols }) =>
    fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      // Few distinct values so ties happen often.
      scores: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: rows * cols, maxLength: rows * cols }),
      labels: fc.array(fc.integer({ min: 0, max: cols - 1 }), { minLength: rows, maxLength: rows }),
    }),
  );

describe("zeroShotMetrics", () => {
  it("matches a naive ranking for top-k and mean per-class recall", () => {
    fc.assert(
      fc.property(matrix, ({ rows, cols, scores, labels }) => {
        const s = Float32Array.from(scores);
        const m = zeroShotMetrics(s, labels, cols, [1, 2, 5]);
        const ranks = labels.map((l, i) => naiveRank(s.subarray(i * cols, (i + 1) * cols), l));
        for (const k of [1, 2, 5]) {
          expect(m.topK[k]).toBeCloseTo(ranks.filter((r) => r < k).length / rows, 10);
        }
        const classes = [...new Set(labels)];
        const recall =
          classes.reduce((sum, c) => {
            const mine = labels.map((l, i) => (l === c ? ranks[i]! : -1)).filter((r) => r >= 0);
            return sum + mine.filter((r) => r === 0).length / mine.length;
          }, 0) / classes.length;
        expect(m.meanPerClassRecall).toBeCloseTo(recall, 10);
        expect(m.topK[1]! <= m.topK[2]! && m.topK[2]! <= m.topK[5]!).toBe(true);
      }),
    );
  });

  it("scores a perfect classifier 1 and reports chance levels", () => {
    const n = 4;
    const eye = new Float32Array(n * n);
    for (let i = 0; i < n; i++) eye[i * n + i] = 1;
    const m = zeroShotMetrics(eye, [0, 1, 2, 3], n, [1, 5]);
    expect(m.topK).toEqual({ 1: 1, 5: 1 });
    expect(m.meanPerClassRecall).toBe(1);
    expect(m.chance.topK).toEqual({ 1: 0.25, 5: 1 });
  });

  it("weights every class equally in mean per-class recall", () => {
    // Class 0: 3 images all right; class 1: 1 image wrong → accuracy 3/4, per-class recall 1/2.
    const s = Float32Array.from([1, 0, 1, 0, 1, 0, 1, 0]);
    const m = zeroShotMetrics(s, [0, 0, 0, 1], 2, [1]);
    expect(m.topK[1]).toBe(0.75);
    expect(m.meanPerClassRecall).toBe(0.5);
  });

  it("rejects bad shapes, labels and k", () => {
    expect(() => zeroShotMetrics(new Float32Array(5), [0, 1], 3)).toThrow(/scores/);
    expect(() => zeroShotMetrics(new Float32Array(6), [0, 3], 3)).toThrow(/class index/);
    expect(() => zeroShotMetrics(new Float32Array(6), [0, 1], 3, [0])).toThrow(/k values/);
  });
});

describe("retrievalMetrics", () => {
  it("matches a naive ranking in both directions", () => {
    fc.assert(
      fc.property(matrix, ({ rows, cols, scores, labels }) => {
        // rows = captions, cols = images, labels = each caption's image.
        const s = Float32Array.from(scores);
        const m = retrievalMetrics(s, labels, cols, [1, 3]);
        for (const k of [1, 3]) {
          const t2i = labels.filter(
            (img, c) => naiveRank(s.subarray(c * cols, (c + 1) * cols), img) < k,
          ).length;
          expect(m.textToImage[k]).toBeCloseTo(t2i / rows, 10);
          let i2t = 0;
          for (let img = 0; img < cols; img++) {
            const column = Array.from({ length: rows }, (_, c) => s[c * cols + img]!);
            if (labels.some((owner, c) => owner === img && naiveRank(column, c) < k)) i2t++;
          }
          expect(m.imageToText[k]).toBeCloseTo(i2t / cols, 10);
        }
      }),
    );
  });

  it("counts an image found when any of its captions is in the top k", () => {
    // Image 0 has captions 0 and 1; image 1 has caption 2. Image 0's best caption is its own
    // caption 1 (its caption 0 ranks last); image 1's best is caption 0, which is image 0's.
    const s = Float32Array.from([0, 1, 0.9, 0.1, 0.5, 0.6]);
    const m = retrievalMetrics(s, [0, 0, 1], 2, [1, 2]);
    expect(m.imageToText[1]).toBe(0.5);
    expect(m.imageToText[2]).toBe(1);
    expect(m.textToImage[1]).toBeCloseTo(2 / 3, 10);
    // Chance image→text@1: image 0 owns 2 of 3 captions, image 1 owns 1.
    expect(m.chance.imageToText[1]).toBeCloseTo((2 / 3 + 1 / 3) / 2, 10);
  });
});
