import { readFileSync } from "node:fs";
import { isDynamicallyQuantized } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODELS_DIR } from "./fixtures.js";
import { loadClipModel } from "./load.js";

type Loaded = Awaited<ReturnType<typeof loadClipModel>>;

describe("dynamically quantized graphs: an input's embedding never depends on its batch", () => {
  const dir = `${MODELS_DIR}tiny-clip`;
  let model: Loaded;
  beforeAll(async () => {
    model = await loadClipModel(dir, { dtype: "quantized", layout: "split", calibrateScoring: false });
  });
  afterAll(async () => {
    await model.release();
  });

  it("detects the fixture's _quantized graphs as dynamic (and the fp32 ones as not)", () => {
    expect(isDynamicallyQuantized(readFileSync(`${dir}/onnx/text_model_quantized.onnx`))).toBe(true);
    expect(isDynamicallyQuantized(readFileSync(`${dir}/onnx/vision_model_quantized.onnx`))).toBe(true);
    expect(isDynamicallyQuantized(readFileSync(`${dir}/onnx/text_model.onnx`))).toBe(false);
  });

  it("texts: alone = inside any batch, bit for bit", async () => {
    const texts = ["a photo of a cat", "a very long caption about many different things at once", "", "dog"];
    const together = await model.embedTexts(texts, { batchSize: 4 });
    for (const [i, t] of texts.entries()) {
      const alone = await model.embedTexts([t]);
      expect([...alone.data]).toEqual([
        ...together.data.subarray(i * model.space.dim, (i + 1) * model.space.dim),
      ]);
    }
  });

  it("images: alone = inside any batch, bit for bit", async () => {
    const images = ["gradient.png", "noise.png", "shapes.png", "gray.png"].map(
      (f) => `${MODELS_DIR}images/${f}`,
    );
    const together = await model.embedImages(images, { batchSize: 4 });
    const alone = await model.embedImages([images[1]!]);
    expect([...alone.data]).toEqual([...together.data.subarray(model.space.dim, 2 * model.space.dim)]);
  });
});
