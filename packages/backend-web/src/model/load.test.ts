import { fileURLToPath } from "node:url";
import { loadClipModel as loadNodeClipModel } from "@clipkit/backend-node";
import { isClipkitError, type RawImage } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { blobFiles } from "../files/blob-files.js";
import { folderBlobs } from "../files/testing/folder-blobs.js";
import { loadClipModel } from "./load.js";

// loadClipModel on onnxruntime-web's wasm build in Node, over files the "user picked" (a Map of
// Blobs) and decoded pixels: the model logic needs no browser; browser.test.ts covers decoding.
const dir = fileURLToPath(new URL("../../../../fixtures/models/tiny-clip/", import.meta.url));

function gradient(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 256;
  return { width, height, channels: 3, data };
}

describe("loadClipModel (backend-web) in Node", () => {
  it("embeds texts and RawImages like the Node backend", async () => {
    const texts = ["a photo of a cat", "a diagram"];
    const images = [gradient(40, 30), gradient(32, 32)];
    const web = await loadClipModel(blobFiles(folderBlobs(dir)), { numThreads: 1 });
    const node = await loadNodeClipModel(dir);
    expect(web.modelType).toBe("clip");
    // Both read the trained scale by running the combined graph: equal up to float rounding.
    expect(web.scoring.kind).toBe(node.scoring.kind);
    expect(web.scoring.logitScale).toBeCloseTo(node.scoring.logitScale, 3);
    expect(web.space.dim).toBe(node.space.dim);
    for (const [a, b] of [
      [await web.embedTexts(texts), await node.embedTexts(texts)],
      [await web.embedImages(images), await node.embedImages(images)],
    ] as const) {
      let max = 0;
      for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
      expect(max).toBeLessThan(1e-5);
    }
    await web.release();
    await node.release();
  });

  it("names the missing file of an incomplete folder", async () => {
    const files = folderBlobs(dir);
    files.delete("tokenizer.json");
    const error = await loadClipModel(blobFiles(files, { location: "picked folder" })).catch(
      (e: unknown) => e,
    );
    expect(isClipkitError(error, "MODEL_FILE_MISSING")).toBe(true);
    expect((error as Error).message).toContain("tokenizer.json");
  });
});
