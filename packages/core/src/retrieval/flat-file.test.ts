import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { crc32 } from "./crc32.js";
import { loadFlatIndex, saveFlatIndex } from "./flat-file.js";
import { FlatIndex } from "./flat-index.js";
import { INDEX_FORMAT_VERSION } from "./format.js";
import { syntheticEmbeddings } from "./synthetic.js";

const gallery = syntheticEmbeddings({ count: 200, dim: 24, seed: 5 });
const queries = syntheticEmbeddings({ count: 7, dim: 24, seed: 5, pointSeed: 2 });
const ids = Array.from({ length: gallery.count }, (_, i) => `img/${i}.jpg`);
const meta = ids.map((path, i) => (i % 3 === 0 ? undefined : { path, album: i % 2 ? "a" : "b" }));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isClipkitError(error) ? error.code : String(error);
  }
  return undefined;
}

describe("flat index files", () => {
  it("CRC-32 matches the standard check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  for (const options of [
    {},
    { storage: "int8" as const },
    { storage: "int8" as const, rescore: false },
    { storage: "float16" as const },
    { storage: "float16" as const, rescore: false },
  ]) {
    it(`round-trips ${JSON.stringify(options)} with ids, metadata and results`, () => {
      const index = new FlatIndex(gallery.space, options);
      index.add(ids, gallery, meta);
      index.remove(["img/4.jpg", "img/7.jpg"]);
      const copy = loadFlatIndex(saveFlatIndex(index));
      expect(copy.size()).toBe(198);
      expect(copy.space).toEqual(gallery.space);
      expect(copy.storage).toBe(index.storage);
      expect(copy.search(queries, { k: 5 })).toEqual(index.search(queries, { k: 5 }));
      expect(copy.search(queries, { k: 5, filter: { album: "a" } })).toEqual(
        index.search(queries, { k: 5, filter: { album: "a" } }),
      );
      // The loaded index stays writable.
      copy.add(["new"], syntheticEmbeddings({ count: 1, dim: 24, seed: 5, pointSeed: 4 }));
      expect(copy.has("new")).toBe(true);
    });
  }

  it("detects every single-byte corruption and every truncation; never returns garbage", () => {
    const index = new FlatIndex(gallery.space);
    index.add(ids.slice(0, 3), syntheticEmbeddings({ count: 3, dim: 24, seed: 1 }));
    const bytes = saveFlatIndex(index);
    for (let at = 0; at < bytes.length; at++) {
      const bad = bytes.slice();
      bad[at]! ^= 0x41;
      const code = codeOf(() => loadFlatIndex(bad));
      // Bytes 8–11 hold the version: a flipped bit there reads as a newer (or invalid) version.
      expect(["INDEX_CORRUPT", "INDEX_VERSION_UNSUPPORTED"]).toContain(code);
    }
    for (const length of [0, 10, 39, 40, bytes.length - 1]) {
      expect(codeOf(() => loadFlatIndex(bytes.subarray(0, length)))).toBe("INDEX_CORRUPT");
    }
  });

  it("refuses a newer format version and another index kind", () => {
    const index = new FlatIndex(gallery.space);
    const bytes = saveFlatIndex(index);
    new DataView(bytes.buffer).setUint32(8, INDEX_FORMAT_VERSION + 1, true);
    expect(codeOf(() => loadFlatIndex(bytes))).toBe("INDEX_VERSION_UNSUPPORTED");
    expect(
      codeOf(() => loadFlatIndex(new TextEncoder().encode("not an index at all, just text........"))),
    ).toBe("INDEX_CORRUPT");
  });
});
