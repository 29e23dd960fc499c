import { readFileSync } from "node:fs";
import { parsePreprocessorConfig } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosineToRow, decodePixels, MODELS_DIR, readReference } from "./fixtures.js";
import { loadClipModel } from "./load.js";
import { nodeImagePreparer } from "./prepare.js";

// transformers SiglipModel + GemmaTokenizer references (tools/fixtures/siglip2_fixres/generate.py):
// the layout of the fixed-resolution SigLIP 2 hub checkpoints (google/siglip2-base-patch16-224, …).
const NAME = "tiny-siglip2-fixres";
const dir = `${MODELS_DIR}${NAME}`;
const ref = readReference(NAME);
const golden = (readReference(NAME) as unknown as { golden: Array<{ text: string; ids: number[] }> }).golden;
const texts = ref.texts.map((t) => t.text);
const images = ref.images.map((i) => `${MODELS_DIR}${i.file}`);

describe("tiny-siglip2-fixres (SigLIP 2 fixed resolution) parity with transformers", () => {
  let model: Awaited<ReturnType<typeof loadClipModel>>;
  beforeAll(async () => {
    model = await loadClipModel(dir);
  });
  afterAll(async () => {
    await model.release();
  });

  it("tokenises as GemmaTokenizer: case kept, EOS appended, left padding to 64 (100 % of prompts and golden texts)", () => {
    const all = [...ref.texts, ...golden];
    const enc = model.tokenizer.encodeBatch(
      all.map((t) => t.text),
      { padding: "max_length", maxLength: 64, truncation: true },
    );
    const equal = all.filter((t, i) => JSON.stringify(enc.inputIds[i]) === JSON.stringify(t.ids)).length;
    expect(equal).toBe(all.length);
    expect(model.tokenizer.encode("A RED car")).not.toEqual(model.tokenizer.encode("a red car"));
  });

  it("preprocesses as SiglipImageProcessorPil (Δ = 0)", async () => {
    const json = JSON.parse(readFileSync(`${dir}/preprocessor_config.json`, "utf8")) as unknown;
    const batch = await nodeImagePreparer(parsePreprocessorConfig(json, { modelType: "siglip" }))(images);
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

  it("text and image embeddings match get_text_features / get_image_features (cos ≥ 0.99999)", async () => {
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

  it("scores with the trained sigmoid scale and bias, like logits_per_image", async () => {
    expect(model.modelType).toBe("siglip");
    expect(model.scoring).toEqual({ kind: "sigmoid", logitScale: expect.closeTo(117, 4), logitBias: -12.5 });
    const t = await model.embedTexts(texts);
    const im = await model.embedImages(images);
    const s = model.scoring;
    for (let i = 0; i < im.count; i++) {
      for (let j = 0; j < t.count; j++) {
        let cos = 0;
        for (let k = 0; k < t.dim; k++) cos += im.data[i * t.dim + k]! * t.data[j * t.dim + k]!;
        const logit = s.logitScale * cos + (s.kind === "sigmoid" ? s.logitBias : 0);
        expect(Math.abs(logit - ref.logitsPerImage[i]![j]!)).toBeLessThan(
          1e-3 * Math.max(1, Math.abs(logit)),
        );
      }
    }
  });
});
