import { readFileSync } from "node:fs";
import { parsePreprocessorConfig } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosineToRow, decodePixels, MODELS_DIR, type Reference, readReference } from "./fixtures.js";
import { loadClipModel } from "./load.js";
import { nodeImagePreparer } from "./prepare.js";

// transformers AltCLIPModel (XLM-R text tower) references (tools/fixtures/altclip/generate.py).
const NAME = "tiny-altclip";
const dir = `${MODELS_DIR}${NAME}`;
const ref = readReference(NAME) as Reference & { golden: Array<{ text: string; ids: number[] }> };
const texts = ref.texts.map((t) => t.text);
const images = ref.images.map((i) => `${MODELS_DIR}${i.file}`);

describe("tiny-altclip (multilingual XLM-R text tower) parity with transformers", () => {
  let model: Awaited<ReturnType<typeof loadClipModel>>;
  beforeAll(async () => {
    model = await loadClipModel(dir);
  });
  afterAll(async () => {
    await model.release();
  });

  it("reads model_type altclip as CLIP scoring with XLM-R's 2-position offset", () => {
    expect(model.modelType).toBe("clip");
    expect(model.layout.config.maxTextLength).toBe(128);
    expect(model.scoring).toEqual({ kind: "softmax", logitScale: expect.closeTo(100, 4) });
  });

  it("tokenises eight languages and the golden texts as XLMRobertaTokenizer (100 %)", () => {
    const all = [...ref.texts, ...ref.golden];
    const ours = all.map((t) => model.tokenizer.encode(t.text, { truncation: true, maxLength: 128 }));
    const equal = all.filter((t, i) => JSON.stringify(ours[i]) === JSON.stringify(t.ids)).length;
    expect(equal).toBe(all.length);
  });

  it("preprocesses as CLIPImageProcessorPil (Δ = 0)", async () => {
    const json = JSON.parse(readFileSync(`${dir}/preprocessor_config.json`, "utf8")) as unknown;
    const batch = await nodeImagePreparer(parsePreprocessorConfig(json, { modelType: "altclip" }))(images);
    const plane = batch.data.length / images.length;
    for (const [i, r] of ref.images.entries()) {
      const expected = decodePixels(r.pixels);
      const ours = batch.data.subarray(i * plane, (i + 1) * plane);
      expect(ours.length).toBe(expected.length);
      let maxDiff = 0;
      for (let k = 0; k < ours.length; k++) maxDiff = Math.max(maxDiff, Math.abs(ours[k]! - expected[k]!));
      expect(maxDiff).toBe(0);
    }
  });

  it("embeddings match get_text_features / get_image_features, texts in padded batches (cos ≥ 0.99999)", async () => {
    const t = await model.embedTexts(texts, { batchSize: 4 });
    expect(t.dim).toBe(ref.dim);
    for (const [i, r] of ref.texts.entries()) {
      expect(cosineToRow(t.data, t.dim, i, r.embedding)).toBeGreaterThanOrEqual(0.99999);
    }
    const im = await model.embedImages(images, { batchSize: 3 });
    for (const [i, r] of ref.images.entries()) {
      expect(cosineToRow(im.data, im.dim, i, r.embedding)).toBeGreaterThanOrEqual(0.99999);
    }
    const s = model.scoring.logitScale;
    for (let i = 0; i < im.count; i++) {
      for (let j = 0; j < t.count; j++) {
        let cos = 0;
        for (let k = 0; k < t.dim; k++) cos += im.data[i * t.dim + k]! * t.data[j * t.dim + k]!;
        expect(Math.abs(s * cos - ref.logitsPerImage[i]![j]!)).toBeLessThan(
          1e-3 * Math.max(1, Math.abs(s * cos)),
        );
      }
    }
  });
});
