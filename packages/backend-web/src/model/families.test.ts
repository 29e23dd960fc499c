import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadClipModel as loadNodeClipModel } from "@clipkit/backend-node";
import type { Embeddings, RawImage } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { blobFiles } from "../files/blob-files.js";
import { folderBlobs } from "../files/testing/folder-blobs.js";
import { loadClipModel } from "./load.js";

// Each family's folder loads in backend-web (onnxruntime-web wasm, files the user picked) and gives
// the Node backend's vectors; the Node backend is held to the Python references per family.
const MODELS = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));

function image(width: number, height: number, step: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * step) % 256;
  return { width, height, channels: 3, data };
}

function maxDiff(a: Embeddings, b: Embeddings): number {
  expect(a.space).toEqual(b.space);
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
  return max;
}

describe.each([
  ["tiny-openclip", {}],
  ["tiny-coca", {}],
  ["tiny-siglip2", {}],
  ["tiny-siglip2-fixres", {}],
  ["tiny-jina-clip-v2", { dimensions: 16 }],
  ["tiny-mobileclip", {}],
  ["tiny-altclip", {}],
] as const)("backend-web reads %s like backend-node", (name, options) => {
  it("same space, scoring and vectors (texts and images of different shapes)", async () => {
    const dir = join(MODELS, name);
    const texts = ["a photo of a cat", "ein Foto einer Katze", ""];
    const images = [image(40, 30, 7), image(24, 56, 3)];
    const web = await loadClipModel(blobFiles(folderBlobs(dir)), { numThreads: 1, ...options });
    const node = await loadNodeClipModel(dir, options);
    try {
      // Read by running the combined graph where there is one: equal up to float rounding.
      expect(web.scoring.kind).toBe(node.scoring.kind);
      expect(web.scoring.logitScale).toBeCloseTo(node.scoring.logitScale, 3);
      expect(web.space).toEqual(node.space);
      expect(maxDiff(await web.embedTexts(texts), await node.embedTexts(texts))).toBeLessThan(1e-5);
      expect(maxDiff(await web.embedImages(images), await node.embedImages(images))).toBeLessThan(1e-5);
    } finally {
      await web.release();
      await node.release();
    }
  });
});
