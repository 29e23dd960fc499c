import { createEmbeddings, type EmbeddingSpace, FlatIndex } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { expectTopKTieOrder } from "../../../core/src/retrieval/testing.js";
import { webBackend } from "./create.js";

const space: EmbeddingSpace = { id: "gemm-web", dim: 8, normalized: true };

// The same capability on onnxruntime-web's wasm build (run in Node here).
describe("webBackend().matmulTopK", () => {
  it("ranks by dot product with ties to the lower index, and FlatIndex.searchAsync stays exact", async () => {
    const backend = webBackend({ numThreads: 1 });
    const gemm = backend.matmulTopK!();
    await expectTopKTieOrder(gemm);
    await gemm.release();

    const rows = Float32Array.from({ length: 200 * 8 }, (_, i) => Math.sin(i * 0.7 + (i % 3)));
    for (let r = 0; r < 200; r++) {
      const norm = Math.hypot(...rows.subarray(r * 8, r * 8 + 8));
      for (let j = 0; j < 8; j++) rows[r * 8 + j]! /= norm;
    }
    rows.copyWithin(199 * 8, 5 * 8, 6 * 8); // an exact duplicate: a tie
    const index = new FlatIndex(space, { backend });
    index.add(
      Array.from({ length: 200 }, (_, i) => `r${i}`),
      createEmbeddings(rows, 200, space),
    );
    const queries = createEmbeddings(rows.slice(0, 6 * 8), 6, space);
    for (const k of [1, 10, 250]) {
      expect(await index.searchAsync(queries, { k })).toEqual(index.search(queries, { k }));
    }
  });
});
