import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddings, FlatIndex, isClipkitError, syntheticEmbeddings } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadUsearchIndexFile, saveUsearchIndexFile } from "./files.js";
import { UsearchIndex } from "./usearch-index.js";
import { nativeExactSearch } from "./usearch-native.js";

// CLIP-like data: near a 16-dim subspace, plus noise. Uniform noise would make recall meaningless.
const gallery = syntheticEmbeddings({ count: 5000, dim: 128, intrinsicDim: 16, noise: 0.2, seed: 11 });
const queries = syntheticEmbeddings({
  count: 100,
  dim: 128,
  intrinsicDim: 16,
  noise: 0.2,
  seed: 11,
  pointSeed: 3,
});
const ids = Array.from({ length: gallery.count }, (_, i) => `v${i}`);
const meta = ids.map((_, i) => ({ shard: i % 4 }));

function recallAt10(got: { id: string }[][], truth: { id: string }[][]): number {
  let hit = 0;
  got.forEach((hits, q) => {
    const want = new Set(truth[q]!.map((h) => h.id));
    hit += hits.filter((h) => want.has(h.id)).length;
  });
  return hit / (10 * got.length);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-usearch-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("UsearchIndex", () => {
  const exact = new FlatIndex(gallery.space);
  exact.add(ids, gallery, meta);
  const index = new UsearchIndex(gallery.space);
  index.add(ids, gallery, meta);

  it("reaches recall@10 ≥ 0.95 against the exact index, with cosine scores", () => {
    const truth = exact.search(queries, { k: 10 });
    const got = index.search(queries, { k: 10 });
    expect(recallAt10(got, truth)).toBeGreaterThanOrEqual(0.95);
    // A hit's score is its true cosine, whatever its rank.
    const top = got[0]![0]!;
    const inTruth = truth[0]!.find((h) => h.id === top.id);
    if (inTruth) expect(top.score).toBeCloseTo(inTruth.score, 4);
  });

  it("filters by metadata (recall ≥ 0.95 within the filtered subset)", () => {
    const truth = exact.search(queries, { k: 10, filter: { shard: 2 } });
    const got = index.search(queries, { k: 10, filter: { shard: 2 } });
    expect(got.every((hits) => hits.length === 10 && hits.every((h) => h.metadata?.shard === 2))).toBe(true);
    expect(recallAt10(got, truth)).toBeGreaterThanOrEqual(0.95);
  });

  it("removes, upserts, and rejects duplicates, NaN and other spaces", () => {
    const small = new UsearchIndex({ id: "s", dim: 2, normalized: true });
    const e = (rows: number[][], id = "s") =>
      createEmbeddings(Float32Array.from(rows.flat()), rows.length, { id, dim: 2, normalized: true });
    small.add(
      ["a", "b"],
      e([
        [1, 0],
        [0, 1],
      ]),
    );
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return isClipkitError(error) ? error.code : String(error);
      }
      return undefined;
    };
    expect(code(() => small.add(["a"], e([[1, 0]])))).toBe("DUPLICATE_ID");
    expect(code(() => small.add(["c"], e([[Number.NaN, 0]])))).toBe("NON_FINITE");
    expect(code(() => small.search(e([[1, 0]], "other"), { k: 1 }))).toBe("SPACE_MISMATCH");
    small.add(["a"], e([[0, 1]]), [{ v: 1 }], { upsert: true });
    expect(small.size()).toBe(2);
    // Equal scores: usearch does not promise an order among them.
    const hits = small.search(e([[0, 1]]), { k: 5 })[0]!;
    expect(hits.map((h) => h.id).sort()).toEqual(["a", "b"]);
    expect(hits.map((h) => h.score)).toEqual([expect.closeTo(1, 5), expect.closeTo(1, 5)]);
    expect(small.remove(["b", "zzz"])).toBe(1);
    expect(small.search(e([[1, 0]]), { k: 5 })[0]!.map((h) => h.id)).toEqual(["a"]);
  });

  it("round-trips through one checksummed file; damage is INDEX_CORRUPT", async () => {
    const path = join(dir, "gallery.ckidx");
    await saveUsearchIndexFile(index, path);
    const copy = await loadUsearchIndexFile(path);
    expect(copy.size()).toBe(index.size());
    expect(copy.options).toEqual(index.options);
    expect(copy.search(queries, { k: 10 })).toEqual(index.search(queries, { k: 10 }));
    const { readFile } = await import("node:fs/promises");
    const bytes = await readFile(path);
    bytes[bytes.length - 100]! ^= 0xff;
    await writeFile(path, bytes);
    await expect(loadUsearchIndexFile(path)).rejects.toSatisfy((e) => isClipkitError(e, "INDEX_CORRUPT"));
  });

  it("nativeExactSearch (usearch exact) equals the flat index", () => {
    const truth = exact.search(queries, { k: 10 });
    const got = nativeExactSearch(gallery.data, queries.data, 128, 10);
    got.forEach(({ rows, scores }, q) => {
      expect(scores).toEqual(truth[q]!.map((h) => expect.closeTo(h.score, 4)));
      expect(rows.map((r) => `v${r}`)).toEqual(truth[q]!.map((h) => h.id));
    });
  });
});
