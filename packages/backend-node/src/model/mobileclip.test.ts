import { parsePreprocessorConfig } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import {
  embeddingFixture,
  expectEmbeddings,
  expectPixels,
  expectTokenIds,
  readPreprocessorJson,
  useClipModel,
} from "./golden-cases.js";
import { nodeImagePreparer } from "./prepare.js";

// open_clip MobileCLIP (CustomTextCLIP + timm FastViT-MCi, re-parameterised) in the transformers.js
// layout of Xenova/mobileclip_* (tools/fixtures/mobileclip/generate.py).
const f = embeddingFixture("tiny-mobileclip");

describe("tiny-mobileclip (transformers.js layout) parity with open_clip / transformers", () => {
  const m = useClipModel(f.dir);

  it("tokenises as the folder's CLIPTokenizer, padded to the graph's fixed 77 (100 %)", () => {
    expectTokenIds(
      [...f.ref.texts, ...f.ref.golden],
      (texts) =>
        m.model.tokenizer.encodeBatch(texts, { padding: "max_length", maxLength: 77, truncation: true })
          .inputIds,
    );
  });

  it("preprocesses as CLIPImageProcessorPil without normalisation ([0, 1] pixels, Δ = 0)", async () => {
    const config = parsePreprocessorConfig(readPreprocessorJson(f.dir), { modelType: "clip" });
    for (const plane of await expectPixels(nodeImagePreparer(config), f)) {
      expect(Math.min(...plane)).toBeGreaterThanOrEqual(0);
    }
  });

  it("text and image embeddings match encode_text / encode_image (cos ≥ 0.99999)", async () => {
    await expectEmbeddings(m.model, f, { texts: 3, images: 3 });
  });

  it("scores with the trained scale recorded in config.json (softmax, 100)", () => {
    expect(m.model.scoringSource).toBe("config");
    expect(m.model.scoring).toEqual({ kind: "softmax", logitScale: expect.closeTo(100, 4) });
  });
});
