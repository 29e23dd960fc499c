import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddings, type EmbeddingSpace, FlatIndex, type MatMulTopK } from "@clipkit/core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { expectTopKTieOrder, unitRows, unitRowsWithCopies } from "../../../core/src/retrieval/testing.js";
import { loadFlatIndexFile, openOrCreateFlatIndexFile, saveFlatIndexFile } from "../retrieval/files.js";
import { nodeBackend } from "./create.js";
import { nodeMatMulTopK } from "./matmul-topk.js";

const space = (dim: number): EmbeddingSpace => ({ id: "gemm", dim, normalized: true });

/** `inner` as a backend whose GEMM records each call's query count in `calls`. */
function countingBackend(inner: MatMulTopK, calls: number[]) {
  return {
    matmulTopK: () => ({
      run: (...a: Parameters<MatMulTopK["run"]>) => {
        calls.push(a[1]);
        return inner.run(...a);
      },
      release: () => inner.release(),
    }),
  };
}

describe("matmul top-k on onnxruntime-node", () => {
  const gemm = nodeMatMulTopK();
  afterAll(() => gemm.release());

  it("returns the k largest dot products per query, best first, ties to the lower index", async () => {
    await expectTopKTieOrder(gemm);
  });

  it("returns the same int32 indices and scores with spinning workers off (allowSpinning: false)", async () => {
    const still = nodeMatMulTopK({ intraOpThreads: 2, allowSpinning: false });
    try {
      const items = unitRows(300, 16, 7, 1000);
      const queries = unitRows(5, 16, 9, 1000);
      const a = await gemm.run(queries, 5, items, 300, 16, 12);
      const b = await still.run(queries, 5, items, 300, 16, 12);
      expect(b.indices).toBeInstanceOf(Int32Array);
      expect([...b.indices]).toEqual([...a.indices]);
      expect([...b.scores]).toEqual([...a.scores]);
    } finally {
      await still.release();
    }
  });

  it("FlatIndex.searchAsync through the backend equals FlatIndex.search (exact, ties by row)", async () => {
    const backend = nodeBackend({ intraOpThreads: 1 });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(3, 8, 16, 64),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 350 }),
        fc.integer(),
        fc.constantFrom(1, 2, 1000),
        fc.array(fc.nat(), { maxLength: 60 }),
        async (dim, n, nq, k, seed, levels, dupes) => {
          const { items, total } = unitRowsWithCopies(n, dim, seed, levels, dupes);
          const ids = Array.from({ length: total }, (_, i) => `r${i}`);
          // minGemmQueries: 1 sends single queries to the GEMM too (by default they take the wasm scan)
          const index = new FlatIndex(space(dim), { backend, minGemmQueries: 1 });
          index.add(ids, createEmbeddings(items, total, space(dim)));
          index.remove(ids.filter((_, i) => i % 7 === 3));
          const queries = createEmbeddings(unitRows(nq, dim, seed ^ 0x2545f491, levels), nq, space(dim));
          expect(await index.searchAsync(queries, { k })).toEqual(index.search(queries, { k }));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("searchAsync scans batches below minGemmQueries with the wasm kernel, larger ones with the GEMM", async () => {
    const calls: number[] = [];
    const inner = nodeMatMulTopK({ intraOpThreads: 1 });
    const backend = countingBackend(inner, calls);
    const dim = 16;
    const index = new FlatIndex(space(dim), { backend, minGemmQueries: 3 });
    index.add(
      Array.from({ length: 200 }, (_, i) => `r${i}`),
      createEmbeddings(unitRows(200, dim, 7, 1000), 200, space(dim)),
    );
    for (const nq of [1, 2, 3, 5]) {
      const queries = createEmbeddings(unitRows(nq, dim, nq, 1000), nq, space(dim));
      expect(await index.searchAsync(queries, { k: 5 })).toEqual(index.search(queries, { k: 5 }));
    }
    expect(calls).toEqual([3, 5]);
    await inner.release();
    expect(() => new FlatIndex(space(dim), { minGemmQueries: 0 })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });

  it("an index loaded from its file searches on the backend's GEMM (runtime options are not stored)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "clipkit-gemm-file-"));
    try {
      const calls: number[] = [];
      const inner = nodeMatMulTopK({ intraOpThreads: 1 });
      const backend = countingBackend(inner, calls);
      const dim = 16;
      const built = new FlatIndex(space(dim));
      built.add(
        Array.from({ length: 120 }, (_, i) => `r${i}`),
        createEmbeddings(unitRows(120, dim, 11, 1000), 120, space(dim)),
      );
      const path = join(dir, "g.ckidx");
      await saveFlatIndexFile(built, path);
      const queries = createEmbeddings(unitRows(4, dim, 5, 1000), 4, space(dim));
      const { index, created } = await openOrCreateFlatIndexFile(path, space(dim), { backend });
      expect(created).toBe(false);
      expect(await index.searchAsync(queries, { k: 7 })).toEqual(built.search(queries, { k: 7 }));
      const loaded = await loadFlatIndexFile(path, { backend, minGemmQueries: 5 });
      expect(await loaded.searchAsync(queries, { k: 7 })).toEqual(built.search(queries, { k: 7 }));
      // 4 queries: the GEMM for the first index, the wasm kernel below minGemmQueries 5 for the second.
      expect(calls).toEqual([4]);
      // Loaded without a backend, searchAsync still answers (wasm kernel).
      const plain = await loadFlatIndexFile(path);
      expect(await plain.searchAsync(queries, { k: 7 })).toEqual(built.search(queries, { k: 7 }));
      expect(calls).toEqual([4]);
      await inner.release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("int8 storage: searchAsync on onnxruntime's int8 GEMM equals search (exact, ties by row, k > n)", async () => {
    let int8Calls = 0;
    const inner = nodeMatMulTopK({ intraOpThreads: 1 });
    const backend = {
      matmulTopK: () => ({
        run: inner.run,
        // counts answered calls: a rejected one would fall back to the wasm scan unseen
        runInt8: async (...a: Parameters<NonNullable<typeof inner.runInt8>>) => {
          const out = await inner.runInt8!(...a);
          int8Calls++;
          return out;
        },
        release: () => inner.release(),
      }),
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(3, 16, 64),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 2, max: 7 }),
        fc.integer({ min: 1, max: 350 }),
        fc.integer(),
        fc.constantFrom(1, 2, 1000),
        fc.array(fc.nat(), { maxLength: 40 }),
        async (dim, n, nq, k, seed, levels, dupes) => {
          const { items, total } = unitRowsWithCopies(n, dim, seed, levels, dupes);
          const ids = Array.from({ length: total }, (_, i) => `r${i}`);
          const index = new FlatIndex(space(dim), { backend, storage: "int8" });
          index.add(ids, createEmbeddings(items, total, space(dim)));
          index.remove(ids.filter((_, i) => i % 5 === 2));
          const queries = createEmbeddings(unitRows(nq, dim, seed ^ 0x51ed, levels), nq, space(dim));
          expect(await index.searchAsync(queries, { k })).toEqual(index.search(queries, { k }));
        },
      ),
      { numRuns: 30 },
    );
    expect(int8Calls).toBeGreaterThanOrEqual(30);
    await inner.release();
  });
});
