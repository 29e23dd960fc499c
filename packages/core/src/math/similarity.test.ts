import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEmbeddings } from "../embeddings.js";
import { similarity, similarityMatrix } from "./similarity.js";
import { finite } from "./test-arbitraries.js";
import { dot } from "./vector.js";

describe("similarityMatrix", () => {
  it("equals per-pair dot products", () => {
    const dim = fc.integer({ min: 1, max: 9 });
    fc.assert(
      fc.property(
        dim.chain((d) =>
          fc.tuple(
            fc.constant(d),
            fc.array(finite(), { maxLength: d * 5 }),
            fc.array(finite(), { maxLength: d * 6 }),
          ),
        ),
        ([d, qa, ia]) => {
          const q = Float32Array.from(qa.slice(0, qa.length - (qa.length % d)));
          const it = Float32Array.from(ia.slice(0, ia.length - (ia.length % d)));
          const m = similarityMatrix(q, it, d);
          const nq = q.length / d;
          const ni = it.length / d;
          for (let a = 0; a < nq; a++) {
            for (let b = 0; b < ni; b++) {
              const ref = dot(q.subarray(a * d, a * d + d), it.subarray(b * d, b * d + d));
              expect(Math.abs(m[a * ni + b]! - ref)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref)));
            }
          }
        },
      ),
    );
  });

  it("refuses to compare embeddings from different spaces", () => {
    const a = createEmbeddings(new Float32Array([1, 0]), 1, { id: "model-a", dim: 2, normalized: true });
    const b = createEmbeddings(new Float32Array([1, 0]), 1, { id: "model-b", dim: 2, normalized: true });
    expect(() => similarity(a, b)).toThrowError(expect.objectContaining({ code: "SPACE_MISMATCH" }));
    expect(similarity(a, a)[0]).toBe(1);
  });

  it("rejects ragged buffers", () => {
    expect(() => similarityMatrix(new Float32Array(3), new Float32Array(4), 2)).toThrowError(
      expect.objectContaining({ code: "SHAPE_MISMATCH" }),
    );
  });
});
