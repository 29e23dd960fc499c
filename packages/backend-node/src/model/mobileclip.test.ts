import { readFileSync } from "node:fs";
import { parsePreprocessorConfig } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosineToRow, decodePixels, MODELS_DIR, type Reference, readReference } from "./fixtures.js";
import { loadClipModel } from "./load.js";
import { nodeImagePreparer } from "./prepare.js";

// open_clip MobileCLIP (CustomTextCLIP + timm FastViT-MCi, re-parameterised) in the transformers.js
// layout of Xenova/mobileclip_* (tools/fixtures/mobileclip/generate.py).
const NAME = "tiny-mobileclip";
const dir = `${MODELS_DIR}${NAME}`;
const ref = readReference(NAME) as Reference & { golden: Array<{ text: string; ids: number[] }> };
const texts = ref.texts.map((t) => t.text);
const images = ref.images.map((i) => `${MODELS_DIR}${i.file}`);

describe("tiny-mobileclip (transformers.js layout) parity with open_clip / transformers", () => {
  let model: Awaited<ReturnType<typeof loadClipModel>>;
  beforeAll(async () => {
    model = await loadClipModel(dir);
  });
  afterAll(async () => {
    await model.release();
  });

  it("tokenises as the folder's CLIPTokenizer, padded to the graph's fixed 77 (100 %)", () => {
    const all = [...ref.texts, ...ref.golden];
    const enc = model.tokenizer.encodeBatch(
      all.map((t) => t.text),
      { padding: "max_length", maxLength: 77, truncation: true },
    );
    const equal = all.filter((t, i) => JSON.stringify(enc.inputIds[i]) === JSON.stringify(t.ids)).length;
    expect(equal).toBe(all.length);
  });

  it("preprocesses as CLIPImageProcessorPil without normalisation ([0, 1] pixels, Δ = 0)", async () => {
    const json = JSON.parse(readFileSync(`${dir}/preprocessor_config.json`, "utf8")) as unknown;
    const batch = await nodeImagePreparer(parsePreprocessorConfig(json, { modelType: "clip" }))(images);
    const plane = batch.data.length / images.length;
    for (const [i, r] of ref.images.entries()) {
      const expected = decodePixels(r.pixels);
      const ours = batch.data.subarray(i * plane, (i + 1) * plane);
      expect(ours.length).toBe(expected.length);
      let maxDiff = 0;
      for (let k = 0; k < ours.length; k++) maxDiff = Math.max(maxDiff, Math.abs(ours[k]! - expected[k]!));
      expect(maxDiff).toBe(0);
      expect(Math.min(...ours)).toBeGreaterThanOrEqual(0);
    }
  });

  it("text and image embeddings match encode_text / encode_image (cos ≥ 0.99999)", async () => {
    const t = await model.embedTexts(texts, { batchSize: 3 });
    expect(t.dim).toBe(ref.dim);
    for (const [i, r] of ref.texts.entries()) {
      expect(cosineToRow(t.data, t.dim, i, r.embedding)).toBeGreaterThanOrEqual(0.99999);
    }
    const im = await model.embedImages(images, { batchSize: 3 });
    for (const [i, r] of ref.images.entries()) {
      expect(cosineToRow(im.data, im.dim, i, r.embedding)).toBeGreaterThanOrEqual(0.99999);
    }
  });

  it("scores with the trained scale recorded in config.json (softmax, 100)", () => {
    expect(model.scoringSource).toBe("config");
    expect(model.scoring).toEqual({ kind: "softmax", logitScale: expect.closeTo(100, 4) });
  });
});
