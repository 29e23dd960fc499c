import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, outputSize, parsePreprocessorConfig } from "./config.js";

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isClipkitError(e) ? e.code : "not a ClipkitError";
  }
  return undefined;
}

const clipType = (json: Record<string, unknown>) => ({ image_processor_type: "CLIPImageProcessor", ...json });

describe("parsePreprocessorConfig", () => {
  it("reads an HF CLIPImageProcessor config (openai/clip-vit-base-patch32)", () => {
    const cfg = parsePreprocessorConfig({
      crop_size: { height: 224, width: 224 },
      do_center_crop: true,
      do_convert_rgb: true,
      do_normalize: true,
      do_rescale: true,
      do_resize: true,
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_processor_type: "CLIPImageProcessor",
      image_std: [0.26862954, 0.26130258, 0.27577711],
      resample: 3,
      rescale_factor: 0.00392156862745098,
      size: { shortest_edge: 224 },
    });
    expect(cfg).toEqual({
      resize: { mode: "shortest_edge", size: 224 },
      resample: "bicubic",
      crop: { height: 224, width: 224 },
      cropRounding: "floor",
      rgbConversion: "before-resize",
      rescaleFactor: 1 / 255,
      doNormalize: true,
      mean: [...OPENAI_CLIP_MEAN],
      std: [...OPENAI_CLIP_STD],
    });
    expect(outputSize(cfg)).toEqual({ height: 224, width: 224 });
  });

  it("reads the legacy CLIPFeatureExtractor shape (int size and crop_size)", () => {
    const cfg = parsePreprocessorConfig({
      crop_size: 336,
      do_center_crop: true,
      feature_extractor_type: "CLIPFeatureExtractor",
      resample: 3,
      size: 336,
    });
    expect(cfg.resize).toEqual({ mode: "shortest_edge", size: 336 });
    expect(cfg.crop).toEqual({ height: 336, width: 336 });
    expect(cfg.mean).toEqual([...OPENAI_CLIP_MEAN]);
  });

  it("reads a SiglipImageProcessor config: squash, no crop", () => {
    const cfg = parsePreprocessorConfig({
      do_normalize: true,
      do_rescale: true,
      do_resize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_processor_type: "SiglipImageProcessor",
      image_std: [0.5, 0.5, 0.5],
      resample: 2,
      rescale_factor: 0.00392156862745098,
      size: { height: 384, width: 384 },
    });
    expect(cfg.resize).toEqual({ mode: "squash", height: 384, width: 384 });
    expect(cfg.resample).toBe("bilinear");
    expect(cfg.crop).toBeNull();
    expect(outputSize(cfg)).toEqual({ height: 384, width: 384 });
  });

  it("reads open_clip preprocess configs, bare and inside open_clip_config.json", () => {
    const bare = parsePreprocessorConfig({
      image_size: 224,
      interpolation: "bicubic",
      resize_mode: "shortest",
    });
    expect(bare).toMatchObject({
      resize: { mode: "shortest_edge", size: 224 },
      crop: { height: 224, width: 224 },
      cropRounding: "half-even",
      rgbConversion: "after-crop",
    });
    const nested = parsePreprocessorConfig({
      model_cfg: { embed_dim: 768 },
      preprocess_cfg: {
        image_size: [256, 256],
        mean: [0.5, 0.5, 0.5],
        std: [0.5, 0.5, 0.5],
        resize_mode: "squash",
      },
    });
    expect(nested).toMatchObject({
      resize: { mode: "squash", height: 256, width: 256 },
      crop: null,
      mean: [0.5, 0.5, 0.5],
    });
  });

  it("maps open_clip's non-square shortest and longest modes to ResizeKeepRatio with a fill", () => {
    expect(
      parsePreprocessorConfig({ image_size: [40, 48], resize_mode: "longest", fill_color: 128 }),
    ).toMatchObject({
      resize: { mode: "keep_ratio", height: 40, width: 48, longest: true },
      crop: { height: 40, width: 48 },
      fill: 128,
    });
    expect(parsePreprocessorConfig({ image_size: [40, 48] }).resize).toEqual({
      mode: "keep_ratio",
      height: 40,
      width: 48,
      longest: false,
    });
    expect(code(() => parsePreprocessorConfig({ image_size: 224, fill_color: 300 }))).toBe(
      "MODEL_CONFIG_INVALID",
    );
  });

  it("honours do_resize / do_rescale / do_normalize switches", () => {
    const cfg = parsePreprocessorConfig({
      image_processor_type: "CLIPImageProcessor",
      do_resize: false,
      do_rescale: false,
      do_normalize: false,
      do_center_crop: true,
      crop_size: 8,
    });
    expect(cfg.resize).toEqual({ mode: "none" });
    expect(cfg.rescaleFactor).toBe(1);
    expect(cfg.doNormalize).toBe(false);
  });

  it("rejects malformed configs with MODEL_CONFIG_INVALID", () => {
    expect(code(() => parsePreprocessorConfig(null))).toBe("MODEL_CONFIG_INVALID");
    expect(code(() => parsePreprocessorConfig([]))).toBe("MODEL_CONFIG_INVALID");
    expect(code(() => parsePreprocessorConfig(clipType({ size: { shortest_edge: 0 } })))).toBe(
      "MODEL_CONFIG_INVALID",
    );
    expect(code(() => parsePreprocessorConfig(clipType({ size: { longest_edge: 224 } })))).toBe(
      "MODEL_CONFIG_INVALID",
    );
    expect(code(() => parsePreprocessorConfig(clipType({ resample: 9 })))).toBe("MODEL_CONFIG_INVALID");
    expect(code(() => parsePreprocessorConfig(clipType({ image_mean: [0.5, 0.5] })))).toBe(
      "MODEL_CONFIG_INVALID",
    );
    expect(code(() => parsePreprocessorConfig(clipType({ do_resize: "yes" })))).toBe("MODEL_CONFIG_INVALID");
    expect(code(() => parsePreprocessorConfig({ image_size: 224, resize_mode: "pad" }))).toBe(
      "MODEL_CONFIG_INVALID",
    );
    expect(code(() => parsePreprocessorConfig({ image_size: 224, interpolation: "random" }))).toBe(
      "MODEL_CONFIG_INVALID",
    );
  });

  it("names the offending key", () => {
    try {
      parsePreprocessorConfig(clipType({ crop_size: { height: 224, width: 0 }, do_center_crop: true }));
      expect.unreachable();
    } catch (e) {
      expect(isClipkitError(e) && e.details.key).toBe("crop_size.width");
    }
  });

  it("has no fixed output size for shortest-edge resizing without a crop", () => {
    const cfg = parsePreprocessorConfig(clipType({ size: { shortest_edge: 224 }, do_center_crop: false }));
    expect(code(() => outputSize(cfg))).toBe("INVALID_ARGUMENT");
  });

  it("reads the legacy ViTFeatureExtractor form as transformers does: int size is a square, mean = std = 0.5", () => {
    const cfg = parsePreprocessorConfig({ feature_extractor_type: "ViTFeatureExtractor", size: 224 });
    expect(cfg.resize).toEqual({ mode: "squash", height: 224, width: 224 });
    expect(cfg.resample).toBe("bilinear");
    expect(cfg.crop).toBeNull();
    expect(cfg.mean).toEqual([0.5, 0.5, 0.5]);
    expect(cfg.std).toEqual([0.5, 0.5, 0.5]);
    expect(outputSize(cfg)).toEqual({ height: 224, width: 224 });
  });

  it("refuses an unknown class, naming the key and the value", () => {
    try {
      parsePreprocessorConfig({ image_processor_type: "DonutImageProcessor", size: 224 });
      expect.unreachable();
    } catch (e) {
      expect(isClipkitError(e, "MODEL_CONFIG_INVALID")).toBe(true);
      expect((e as { details: Record<string, unknown> }).details).toMatchObject({
        key: "image_processor_type",
        value: "DonutImageProcessor",
      });
    }
  });

  it("needs a class: from the file, from config.json's model_type, or given explicitly", () => {
    const untyped = { size: { height: 32, width: 32 } };
    expect(code(() => parsePreprocessorConfig(untyped))).toBe("MODEL_CONFIG_INVALID");
    expect(code(() => parsePreprocessorConfig(untyped, { modelType: "vision-encoder-decoder" }))).toBe(
      "MODEL_CONFIG_INVALID",
    );
    // SigLIP (PaliGemma's class): no crop. CLIP: crop 224 by default.
    expect(parsePreprocessorConfig(untyped, { modelType: "paligemma" }).crop).toBeNull();
    expect(parsePreprocessorConfig(untyped, { processorClass: "CLIPImageProcessorFast" }).crop).toEqual({
      height: 224,
      width: 224,
    });
    // The explicit class wins over the file's.
    const vit = parsePreprocessorConfig(
      { image_processor_type: "CLIPImageProcessor", size: 30 },
      { processorClass: "ViTImageProcessor" },
    );
    expect(vit.resize).toEqual({ mode: "squash", height: 30, width: 30 });
  });

  it("refuses what transformers refuses and what clipkit cannot reproduce", () => {
    const bad = [
      { image_processor_type: "CLIPImageProcessor", image_mean: null },
      { image_processor_type: "CLIPImageProcessor", size: null },
      { image_processor_type: "CLIPImageProcessor", crop_size: null },
      { image_processor_type: "CLIPImageProcessor", size: { shortest_edge: 200, longest_edge: 300 } },
      { image_processor_type: "ConvNextImageProcessor", size: 224, do_center_crop: true, crop_size: 200 },
      { image_processor_type: "ConvNextImageProcessor", size: { height: 224, width: 224 } },
      { image_processor_type: "Idefics3ImageProcessor" },
      { image_processor_type: "Qwen2VLImageProcessor", size: { height: 28, width: 28 } },
    ];
    for (const json of bad)
      expect(
        code(() => parsePreprocessorConfig(json)),
        JSON.stringify(json),
      ).toBe("MODEL_CONFIG_INVALID");
  });

  it("maps ConvNeXT's crop_pct below 384 and squashes from 384", () => {
    const small = parsePreprocessorConfig({ image_processor_type: "ConvNextImageProcessor", size: 224 });
    expect(small.resize).toEqual({ mode: "shortest_edge", size: 256 });
    expect(small.crop).toEqual({ height: 224, width: 224 });
    const large = parsePreprocessorConfig({ feature_extractor_type: "ConvNextFeatureExtractor" });
    expect(large.resize).toEqual({ mode: "squash", height: 384, width: 384 });
    expect(large.crop).toBeNull();
  });
});
