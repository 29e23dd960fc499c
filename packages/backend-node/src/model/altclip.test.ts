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

// transformers AltCLIPModel (XLM-R text tower) references (tools/fixtures/altclip/generate.py).
const f = embeddingFixture("tiny-altclip");

describe("tiny-altclip (multilingual XLM-R text tower) parity with transformers", () => {
  const m = useClipModel(f.dir);

  it("reads model_type altclip as CLIP scoring with XLM-R's 2-position offset", () => {
    expect(m.model.modelType).toBe("clip");
    expect(m.model.layout.config.maxTextLength).toBe(128);
    expect(m.model.scoring).toEqual({ kind: "softmax", logitScale: expect.closeTo(100, 4) });
  });

  it("tokenises eight languages and the golden texts as XLMRobertaTokenizer (100 %)", () => {
    expectTokenIds([...f.ref.texts, ...f.ref.golden], (texts) =>
      texts.map((t) => m.model.tokenizer.encode(t, { truncation: true, maxLength: 128 })),
    );
  });

  it("preprocesses as CLIPImageProcessorPil (Δ = 0)", async () => {
    const config = parsePreprocessorConfig(readPreprocessorJson(f.dir), { modelType: "altclip" });
    await expectPixels(nodeImagePreparer(config), f);
  });

  it("embeddings match get_text_features / get_image_features, texts in padded batches (cos ≥ 0.99999)", async () => {
    const { texts, images } = await expectEmbeddings(m.model, f, { texts: 4, images: 3 });
    expectLogitsPerImage(images, texts, m.model.scoring, f.ref.logitsPerImage);
  });
});
