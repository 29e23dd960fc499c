import { readFileSync } from "node:fs";
import { parseNaflexConfig } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImageInput } from "../image/index.js";
import { cosineToRow, decodePixels, MODELS_DIR, readReference } from "./fixtures.js";
import { loadClipModel } from "./load.js";
import { nodeNaflexPreparer } from "./prepare.js";

// transformers Siglip2Model / Siglip2ImageProcessorPil references (tools/fixtures/siglip2/generate.py).
const NAME = "tiny-siglip2";
const dir = `${MODELS_DIR}${NAME}`;
const ref = readReference(NAME);
const naflex = readReference(NAME) as unknown as {
  images: Array<{ pixelAttentionMask: number[]; spatialShapes: [number, number] }>;
};
const texts = ref.texts.map((t) => t.text);
const images = ref.images.map((i) => `${MODELS_DIR}${i.file}`);

describe("tiny-siglip2 (NaFlex) parity with transformers", () => {
  let model: Awaited<ReturnType<typeof loadClipModel>>;
  beforeAll(async () => {
    model = await loadClipModel(dir);
  });
  afterAll(async () => {
    await model.release();
  });

  it("patchifies as Siglip2ImageProcessor does: pixels Δ = 0, same mask and grid shapes", async () => {
    const config = parseNaflexConfig(JSON.parse(readFileSync(`${dir}/preprocessor_config.json`, "utf8")));
    const batch = await nodeNaflexPreparer(config)(images as ImageInput[]);
    expect(batch.dims).toEqual([images.length, 24, 8 * 8 * 3]);
    const per = 24 * 8 * 8 * 3;
    for (const [i, r] of ref.images.entries()) {
      const expected = decodePixels(r.pixels);
      const ours = batch.data.subarray(i * per, (i + 1) * per);
      let maxDiff = 0;
      for (let k = 0; k < per; k++) maxDiff = Math.max(maxDiff, Math.abs(ours[k]! - expected[k]!));
      expect(maxDiff).toBe(0);
      expect(Array.from(batch.pixelAttentionMask!.subarray(i * 24, (i + 1) * 24), Number)).toEqual(
        naflex.images[i]!.pixelAttentionMask,
      );
      expect([Number(batch.spatialShapes![2 * i]), Number(batch.spatialShapes![2 * i + 1])]).toEqual(
        naflex.images[i]!.spatialShapes,
      );
    }
  });

  it("image embeddings match get_image_features end to end, batched over different grids (cos ≥ 0.99999)", async () => {
    const e = await model.embedImages(images, { batchSize: 3 });
    expect(e.dim).toBe(ref.dim);
    for (const [i, r] of ref.images.entries()) {
      expect(cosineToRow(e.data, e.dim, i, r.embedding)).toBeGreaterThanOrEqual(0.99999);
    }
  });

  it("text embeddings match get_text_features, tokenised by the folder's own tokenizer.json (cos ≥ 0.99999)", async () => {
    const e = await model.embedTexts(texts, { batchSize: 4 });
    for (const [i, r] of ref.texts.entries()) {
      expect(cosineToRow(e.data, e.dim, i, r.embedding)).toBeGreaterThanOrEqual(0.99999);
    }
  });

  it("scores with the trained sigmoid scale and bias recorded in config.json, like logits_per_image", async () => {
    expect(model.scoringSource).toBe("config");
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

  it("tokenises as Siglip2Tokenizer: lowercased Gemma BPE, byte fallback, left padding to 64 (100 %)", () => {
    const enc = model.tokenizer.encodeBatch(texts, {
      padding: "max_length",
      maxLength: 64,
      truncation: true,
    });
    expect(enc.inputIds).toEqual(ref.texts.map((t) => t.ids));
    expect(model.tokenizer.encode("A RED car")).toEqual(model.tokenizer.encode("a red car"));
  });
});
