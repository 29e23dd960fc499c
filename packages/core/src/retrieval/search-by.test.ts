import { describe, expect, it } from "vitest";
import { createEmbeddings, type EmbeddingSpace } from "../embeddings.js";
import { isClipkitError } from "../errors.js";
import type { ImageEmbedder, TextEmbedder } from "../model/types.js";
import { FlatIndex } from "./flat-index.js";
import { searchByImage, searchByText } from "./search-by.js";

const space: EmbeddingSpace = { id: "toy", dim: 2, normalized: true };
const vectors: Record<string, [number, number]> = {
  cat: [1, 0],
  dog: [0, 1],
  "cat.jpg": [0.8, 0.6],
  "dog.jpg": [0.6, 0.8],
};
const embed = (keys: readonly string[]) =>
  Promise.resolve(createEmbeddings(Float32Array.from(keys.flatMap((k) => vectors[k]!)), keys.length, space));
const model: TextEmbedder & ImageEmbedder<string> = {
  space,
  scoring: { kind: "softmax", logitScale: 100 },
  embedTexts: embed,
  embedImages: embed,
};

describe("searchByText / searchByImage", () => {
  it("text → image gallery and image → caption index", async () => {
    const gallery = new FlatIndex(space);
    gallery.add(["cat.jpg", "dog.jpg"], await embed(["cat.jpg", "dog.jpg"]));
    const byText = await searchByText(model, gallery, ["cat", "dog"], { k: 1 });
    expect(byText.map((h) => h[0]!.id)).toEqual(["cat.jpg", "dog.jpg"]);
    const captions = new FlatIndex(space);
    captions.add(["a cat", "a dog"], await embed(["cat", "dog"]));
    const byImage = await searchByImage(model, captions, ["dog.jpg"], { k: 2 });
    expect(byImage[0]!.map((h) => h.id)).toEqual(["a dog", "a cat"]);
    expect(byImage[0]![0]!.score).toBeCloseTo(0.8, 6);
  });

  it("an index built with another model is a SPACE_MISMATCH", async () => {
    const other = new FlatIndex({ ...space, id: "other-model" });
    await expect(searchByText(model, other, ["cat"], { k: 1 })).rejects.toSatisfy(
      (e) => isClipkitError(e) && e.code === "SPACE_MISMATCH",
    );
  });
});
