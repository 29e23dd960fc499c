import { describe, expect, it } from "vitest";
import { loadProcessorGoldens } from "../../../../tools/fixtures/images/processors.js";
import { isClipkitError } from "../errors.js";
import { parsePreprocessorConfig } from "./config.js";
import { PIL_FILTERS } from "./fields.js";
import { type ImageProcessorSettings, resolveImageProcessor } from "./hf-config.js";
import { preprocessIdefics3 } from "./idefics3.js";
import { preprocessImage } from "./preprocess.js";
import { qwen2vlPatchify } from "./qwen2vl.js";
import type { RawImage } from "./types.js";

// Goldens from transformers 5.17's image-processor classes (PIL backend), written by
// tools/fixtures/images/make_processor_golden.py: the attributes each class resolves from a
// preprocessor_config.json, and its pixel_values on real photos and mode edge cases.

const goldens = loadProcessorGoldens();

/** Our settings under transformers' attribute names, in the form the generator wrote them. */
function asTransformersAttributes(s: ImageProcessorSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {
    do_convert_rgb: s.doConvertRgb,
    do_resize: s.doResize,
    size: s.size,
    default_to_square: s.defaultToSquare,
    crop_size: s.cropSize,
    resample: s.resample === null ? null : PIL_FILTERS.indexOf(s.resample),
    do_rescale: s.doRescale,
    rescale_factor: s.rescaleFactor,
    do_normalize: s.doNormalize,
    image_mean: s.imageMean,
    image_std: s.imageStd,
    do_pad: s.doPad,
    do_center_crop: s.doCenterCrop,
  };
  if (s.cropPct !== undefined) out.crop_pct = s.cropPct;
  if (s.patchSize !== undefined) {
    out.patch_size = s.patchSize;
    out.merge_size = s.mergeSize;
    out.temporal_patch_size = s.temporalPatchSize;
  }
  if (s.maxImageSize !== undefined) {
    out.max_image_size = s.maxImageSize;
    out.do_image_splitting = s.doImageSplitting;
  }
  return out;
}

describe("preprocessor_config.json resolves as transformers' class does", () => {
  it("covers every class the issue lists", () => {
    const classes = new Set(goldens.configs.map((c) => c.processorClass));
    expect([...classes].sort()).toEqual([
      "BitImageProcessor",
      "BlipImageProcessor",
      "CLIPImageProcessor",
      "ConvNextImageProcessor",
      "DeiTImageProcessor",
      "Idefics3ImageProcessor",
      "LlavaImageProcessor",
      "Qwen2VLImageProcessor",
      "SiglipImageProcessor",
      "SmolVLMImageProcessor",
      "ViTImageProcessor",
    ]);
  });

  it.each(goldens.configs.map((c) => [c.label, c] as const))("%s", (_, c) => {
    const settings = resolveImageProcessor(c.json);
    expect(settings.processorClass).toBe(c.processorClass);
    expect(asTransformersAttributes(settings)).toEqual(c.attributes);
    if (c.runs === false) {
      // transformers refuses to preprocess with this config; so does clipkit, with a typed error.
      let code: string | undefined;
      try {
        parsePreprocessorConfig(c.json);
      } catch (e) {
        code = isClipkitError(e) ? e.code : "not a ClipkitError";
      }
      expect(code).toBe("MODEL_CONFIG_INVALID");
    }
  });
});

/** frames × 3 × S × S → 3 × (frames · S) × S, the layout the generator stores. */
function stackFrames(data: Float32Array, count: number, side: number): Float32Array {
  const plane = side * side;
  const out = new Float32Array(data.length);
  for (let f = 0; f < count; f++) {
    for (let ch = 0; ch < 3; ch++) {
      out.set(data.subarray((f * 3 + ch) * plane, (f * 3 + ch + 1) * plane), ch * count * plane + f * plane);
    }
  }
  return out;
}

describe("pixel_values equal transformers' PIL-backend image processors", () => {
  it("has cases for every class", () => {
    const classes = new Set(goldens.cases.map((c) => c.config.processorClass));
    expect(classes.size).toBe(11);
    expect(goldens.cases.length).toBeGreaterThan(250);
  });

  it.each(goldens.cases.map((c) => [`${c.config.label} ${c.input.name}`, c] as const))("%s", (_, c) => {
    const { input } = c;
    const image: RawImage = {
      data: input.data,
      width: input.width,
      height: input.height,
      channels: input.channels,
      indexed: input.indexed,
    };
    let ours: Float32Array;
    if (c.frames === undefined) {
      ours = preprocessImage(image, parsePreprocessorConfig(c.config.json));
    } else {
      const tiled = preprocessIdefics3(image, resolveImageProcessor(c.config.json));
      expect([tiled.count, tiled.rows, tiled.cols]).toEqual([c.frames, c.rows, c.cols]);
      ours = stackFrames(tiled.data, tiled.count, tiled.size);
    }
    expect(ours.length).toBe(c.pixelValues.length);
    let diffs = 0;
    let max = 0;
    for (let i = 0; i < ours.length; i++) {
      const d = Math.abs(ours[i]! - c.pixelValues[i]!);
      if (d !== 0) diffs++;
      if (d > max) max = d;
    }
    expect({ diffs, max }).toEqual({ diffs: 0, max: 0 });
  });
});

describe("Qwen2-VL patch rows equal transformers' patchify", () => {
  const withGrid = goldens.cases.filter((c) => c.grid !== undefined);

  it.each(withGrid.map((c) => [`${c.config.label} ${c.input.name}`, c] as const))("%s", (_, c) => {
    const settings = resolveImageProcessor(c.config.json);
    const patches = qwen2vlPatchify(c.pixelValues, c.height, c.width, {
      patchSize: settings.patchSize!,
      mergeSize: settings.mergeSize!,
      temporalPatchSize: settings.temporalPatchSize!,
    });
    expect(patches.gridThw).toEqual(c.grid);
    if (c.patches) {
      expect([patches.rows, patches.rowLength]).toEqual([c.patches.rows, c.patches.rowLength]);
      expect(patches.data).toEqual(c.patches.data);
    }
  });

  it("checks raw patch rows on some cases", () => {
    expect(withGrid.filter((c) => c.patches).length).toBe(4);
  });
});
