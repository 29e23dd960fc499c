import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MatMulTopK, MatMulTopKOutput } from "../backend/matmul-topk.js";
import { createEmbeddings, type EmbeddingSpace } from "../embeddings.js";
import { FlatIndex } from "./flat-index.js";
import { shiftedCodes, transposeCodes } from "./gemm-scan.js";
import { unitRows, unitRowsWithCopies } from "./testing.js";

/**
 * The GEMM hand-over of `FlatIndex.searchAsync` (shortlists read in place from a runtime's top-k
 * output, int8 scores scaled per query) without onnxruntime: a JavaScript "runtime" that rounds
 * every score to float32, as a GEMM does, and lists ties by the lower row (ONNX TopK). Whatever it
 * returns, `searchAsync` must equal `search` (exact float64 scores, ties by row).
 */

const space = (dim: number): EmbeddingSpace => ({ id: "gemm-scan", dim, normalized: true });

function topKOf(scores: Float32Array, nq: number, ni: number, k: number): MatMulTopKOutput {
  const outScores = new Float32Array(nq * k);
  const indices = new Int32Array(nq * k);
  for (let q = 0; q < nq; q++) {
    const order = Array.from({ length: ni }, (_, i) => i).sort(
      (a, b) => scores[q * ni + b]! - scores[q * ni + a]! || a - b,
    );
    for (let t = 0; t < k; t++) {
      outScores[q * k + t] = scores[q * ni + order[t]!]!;
      indices[q * k + t] = order[t]!;
    }
  }
  return { scores: outScores, indices };
}

const jsGemm: MatMulTopK = {
  async run(queries, nq, items, ni, dim, k) {
    const s = new Float32Array(nq * ni);
    for (let q = 0; q < nq; q++) {
      for (let i = 0; i < ni; i++) {
        let d = 0;
        for (let j = 0; j < dim; j++)
          d = Math.fround(d + Math.fround(queries[q * dim + j]! * items[i * dim + j]!));
        s[q * ni + i] = d;
      }
    }
    return topKOf(s, nq, ni, k);
  },
  async runInt8(queries, nq, itemsT, itemScale, ni, dim, k) {
    const s = new Float32Array(nq * ni);
    for (let q = 0; q < nq; q++) {
      for (let i = 0; i < ni; i++) {
        let d = 0; // exact integer sum, as MLAS's int32 accumulators
        for (let j = 0; j < dim; j++) d += (queries[q * dim + j]! - 128) * itemsT[j * ni + i]!;
        s[q * ni + i] = d * itemScale[i]!;
      }
    }
    return topKOf(s, nq, ni, k);
  },
  async release() {},
};

describe("searchAsync on a runtime GEMM (hand-over and re-score)", () => {
  it("shifts every int8 code c to the uint8 c + 128", () => {
    const codes = Int8Array.from({ length: 256 }, (_, i) => i - 128);
    expect([...shiftedCodes(codes)]).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });

  it("transposes n × dim codes to dim × n", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), (n, dim) => {
        const codes = Int8Array.from({ length: n * dim }, (_, i) => (i % 251) - 125);
        const t = transposeCodes(codes, n, dim);
        for (let r = 0; r < n; r++)
          for (let j = 0; j < dim; j++) expect(t[j * n + r]).toBe(codes[r * dim + j]);
      }),
    );
  });

  it("equals search for float32 and int8 storage (exact scores, ties by row)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("float32" as const, "int8" as const),
        fc.constantFrom(3, 16),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 1, max: 130 }),
        fc.integer(),
        fc.constantFrom(1, 2, 1000),
        fc.array(fc.nat(), { maxLength: 30 }),
        async (storage, dim, n, nq, k, seed, levels, dupes) => {
          const { items, total } = unitRowsWithCopies(n, dim, seed, levels, dupes);
          const ids = Array.from({ length: total }, (_, i) => `r${i}`);
          const index = new FlatIndex(space(dim), { storage, backend: { matmulTopK: () => jsGemm } });
          index.add(ids, createEmbeddings(items, total, space(dim)));
          const queries = createEmbeddings(unitRows(nq, dim, seed ^ 0x5bd1e995, levels), nq, space(dim));
          const expected = index.search(queries, { k });
          const got = await index.searchAsync(queries, { k });
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});
