import { parsePreprocessorConfig } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import {
  embeddingFixture,
  expectEmbeddings,
  expectLogitsPerImage,
  expectPixels,
  expectTokenIds,
  readPreprocessorJson,
  useClipModel,
} from "./golden-cases.js";
import { nodeImagePreparer } from "./prepare.js";

// transformers SiglipModel + GemmaTokenizer references (tools/fixtures/siglip2_fixres/generate.py):
// the layout of the fixed-resolution SigLIP 2 hub checkpoints (google/siglip2-base-patch16-224, …).
const f = embeddingFixture("tiny-siglip2-fixres");

describe("tiny-siglip2-fixres (SigLIP 2 fixed resolution) parity with transformers", () => {
  const m = useClipModel(f.dir);

  it("tokenises as GemmaTokenizer: case kept, EOS appended, left padding to 64 (100 % of prompts and golden texts)", () => {
    expectTokenIds(
      [...f.ref.texts, ...f.ref.golden],
      (texts) =>
        m.model.tokenizer.encodeBatch(texts, { padding: "max_length", maxLength: 64, truncation: true })
          .inputIds,
    );
    expect(m.model.tokenizer.encode("A RED car")).not.toEqual(m.model.tokenizer.encode("a red car"));
  });

  it("preprocesses as SiglipImageProcessorPil (Δ = 0)", async () => {
    const config = parsePreprocessorConfig(readPreprocessorJson(f.dir), { modelType: "siglip" });
    await expectPixels(nodeImagePreparer(config), f);
  });

  it("text and image embeddings match get_text_features / get_image_features (cos ≥ 0.99999)", async () => {
    await expectEmbeddings(m.model, f, { texts: 3, images: 3 });
  });

  it("scores with the trained sigmoid scale and bias, like logits_per_image", async () => {
    expect(m.model.modelType).toBe("siglip");
    expect(m.model.scoring).toEqual({
      kind: "sigmoid",
      logitScale: expect.closeTo(117, 4),
      logitBias: -12.5,
    });
    const texts = await m.model.embedTexts(f.texts);
    const images = await m.model.embedImages(f.images);
    expectLogitsPerImage(images, texts, m.model.scoring, f.ref.logitsPerImage);
  });
});
