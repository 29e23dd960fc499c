import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { topK } from "./topk.js";

/** Sort-based reference: descending score, ties by ascending index. */
function reference(scores: number[], k: number) {
  return scores
    .map((score, index) => ({ index, score }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, k);
}

describe("topK", () => {
  it("equals a sort-based reference, ties included", () => {
    // Small integer scores force many ties.
    const scores = fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 200 });
    fc.assert(
      fc.property(scores, fc.integer({ min: 0, max: 250 }), (s, k) => {
        expect(topK(s, k)).toEqual(reference(s, k));
      }),
    );
  });

  it("equals the reference on float scores", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { maxLength: 300 }),
        fc.nat(40),
        (s, k) => {
          expect(topK(s, k)).toEqual(reference(s, k));
        },
      ),
    );
  });

  it("returns everything when k exceeds the input, and nothing for k = 0", () => {
    expect(topK([3, 1, 2], 10).map((e) => e.index)).toEqual([0, 2, 1]);
    expect(topK([3, 1, 2], 0)).toEqual([]);
  });

  it("rejects a bad k", () => {
    expect(() => topK([1], -1)).toThrowError(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => topK([1], 1.5)).toThrowError(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});
