import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { parseModelConfig } from "./config.js";
import { parseDtype } from "./dtype.js";
import { availableDtypes, resolveClipLayout } from "./resolve.js";
import { memoryFiles } from "./test-files.js";

const CLIP = JSON.stringify({
  model_type: "clip",
  projection_dim: 512,
  _name_or_path: "openai/clip-vit-base-patch32",
});
const bytes = new Uint8Array([1]);

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

describe("resolveClipLayout", () => {
  it("prefers split towers and keeps the combined graph for scoring", async () => {
    const files = memoryFiles({
      "config.json": CLIP,
      "onnx/text_model.onnx": bytes,
      "onnx/vision_model.onnx": bytes,
      "onnx/model.onnx": bytes,
    });
    const layout = await resolveClipLayout(files);
    expect(layout.kind).toBe("split");
    expect(layout.text.path).toBe("onnx/text_model.onnx");
    expect(layout.vision.path).toBe("onnx/vision_model.onnx");
    expect(layout.combined?.path).toBe("onnx/model.onnx");
    expect((await resolveClipLayout(files, { prefer: "combined" })).kind).toBe("combined");
  });

  it("falls back to the combined graph when a tower is missing", async () => {
    const files = memoryFiles({
      "config.json": CLIP,
      "onnx/text_model.onnx": bytes,
      "onnx/model.onnx": bytes,
    });
    const layout = await resolveClipLayout(files);
    expect(layout.kind).toBe("combined");
    expect(layout.text.path).toBe("onnx/model.onnx");
    expect(layout.vision.path).toBe("onnx/model.onnx");
  });

  it("picks files by dtype suffix", async () => {
    const files = memoryFiles({
      "config.json": CLIP,
      "onnx/text_model.onnx": bytes,
      "onnx/vision_model.onnx": bytes,
      "onnx/text_model_q4f16.onnx": bytes,
      "onnx/vision_model_q4f16.onnx": bytes,
      "onnx/model_uint8.onnx": bytes,
    });
    const q4 = await resolveClipLayout(files, { dtype: "q4f16" });
    expect([q4.text.path, q4.vision.path]).toEqual([
      "onnx/text_model_q4f16.onnx",
      "onnx/vision_model_q4f16.onnx",
    ]);
    expect((await resolveClipLayout(files, { dtype: "uint8" })).text.path).toBe("onnx/model_uint8.onnx");
    expect(await availableDtypes(files)).toEqual(["fp32", "uint8", "q4f16"]);
  });

  it("names the missing files and the dtypes the folder has", async () => {
    const files = memoryFiles({ "config.json": CLIP, "onnx/model_fp16.onnx": bytes }, "/models/x");
    const error = await rejection(resolveClipLayout(files, { dtype: "bnb4" }));
    expect(isClipkitError(error, "MODEL_FILE_MISSING")).toBe(true);
    expect((error as Error).message).toContain("onnx/text_model_bnb4.onnx");
    expect((error as Error).message).toContain("onnx/model_bnb4.onnx");
    expect((error as Error).message).toContain("the folder has dtype fp16");
    expect((error as { details: { available: string[] } }).details.available).toEqual(["fp16"]);
  });

  it("collects external data files, chunked ones included", async () => {
    const files = memoryFiles({
      "config.json": CLIP,
      "onnx/model.onnx": bytes,
      "onnx/model.onnx_data": bytes,
      "onnx/model.onnx_data_1": bytes,
      "onnx/model.onnx_data_2": bytes,
    });
    const layout = await resolveClipLayout(files);
    expect(layout.text.externalData).toEqual([
      "onnx/model.onnx_data",
      "onnx/model.onnx_data_1",
      "onnx/model.onnx_data_2",
    ]);
  });

  it("requires config.json", async () => {
    const error = await rejection(resolveClipLayout(memoryFiles({ "onnx/model.onnx": bytes })));
    expect(isClipkitError(error, "MODEL_FILE_MISSING")).toBe(true);
    expect((error as { details: { file: string } }).details.file).toBe("config.json");
  });
});

describe("parseModelConfig", () => {
  it("reads CLIP and SigLIP configs", () => {
    const clip = parseModelConfig(CLIP);
    expect(clip).toMatchObject({ modelType: "clip", projectionDim: 512, maxTextLength: 77 });
    expect(clip.nameOrPath).toBe("openai/clip-vit-base-patch32");
    const siglip = parseModelConfig(
      JSON.stringify({
        model_type: "siglip",
        text_config: { hidden_size: 768 },
        vision_config: { image_size: 224 },
      }),
    );
    expect(siglip).toMatchObject({
      modelType: "siglip",
      projectionDim: 768,
      maxTextLength: 64,
      imageSize: 224,
    });
  });

  it("rejects bad JSON, missing and unsupported model types", () => {
    const code = (text: string): string | undefined => {
      try {
        parseModelConfig(text);
      } catch (e) {
        return isClipkitError(e) ? e.code : "other";
      }
      return undefined;
    };
    expect(code("{")).toBe("MODEL_CONFIG_INVALID");
    expect(code("[]")).toBe("MODEL_CONFIG_INVALID");
    expect(code("{}")).toBe("MODEL_CONFIG_INVALID");
    expect(code(JSON.stringify({ model_type: "blip" }))).toBe("MODEL_LAYOUT_UNSUPPORTED");
  });

  it("validates dtype names", () => {
    expect(parseDtype(undefined)).toBe("fp32");
    expect(parseDtype("q4")).toBe("q4");
    expect(() => parseDtype("int4")).toThrow(/dtype must be one of fp32, fp16, quantized/);
  });
});
