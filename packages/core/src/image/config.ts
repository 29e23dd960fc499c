import { ClipkitError } from "../errors.js";
import { fail, type Json, positiveInt, triple } from "./fields.js";
import { compileSettings } from "./hf-compile.js";
import { type ImageProcessorResolveOptions, resolveImageProcessor } from "./hf-config.js";
import type { PreprocessConfig, ResizeSpec } from "./types.js";

/** openai/CLIP's normalisation constants (also open_clip's `OPENAI_DATASET_MEAN/STD`). */
export const OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
/** @see OPENAI_CLIP_MEAN */
export const OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

function parseOpenClip(json: Json): PreprocessConfig {
  const raw = json.image_size;
  const [h, w] = Array.isArray(raw) ? [raw[0], raw[1]] : [raw, raw];
  const height = positiveInt(h, "image_size");
  const width = positiveInt(w, "image_size");
  const mode = json.resize_mode ?? "shortest";
  const interp = json.interpolation ?? "bicubic";
  if (interp !== "bicubic" && interp !== "bilinear" && interp !== "nearest") {
    fail(
      `interpolation must be bicubic, bilinear or nearest, got ${JSON.stringify(interp)}`,
      "interpolation",
    );
  }
  let resize: ResizeSpec;
  let crop: PreprocessConfig["crop"] = { height, width };
  if (mode === "squash") {
    resize = { mode: "squash", height, width };
    crop = null;
  } else if (mode === "shortest" && height === width) {
    // open_clip passes the int (not the tuple) to torchvision's Resize when the target is square.
    resize = { mode: "shortest_edge", size: height };
  } else if (mode === "shortest" || mode === "longest") {
    // ResizeKeepRatio, then CenterCrop (shortest) or CenterCropOrPad (longest): same offsets.
    resize = { mode: "keep_ratio", height, width, longest: mode === "longest" };
  } else {
    return fail(
      `resize_mode ${JSON.stringify(mode)} is not supported (use shortest, longest or squash)`,
      "resize_mode",
    );
  }
  const fill = json.fill_color ?? 0;
  if (typeof fill !== "number" || !Number.isInteger(fill) || fill < 0 || fill > 255) {
    fail(`fill_color must be an integer 0-255, got ${JSON.stringify(fill)}`, "fill_color");
  }
  const std = json.std == null ? OPENAI_CLIP_STD : triple(json.std, "std");
  if (std.some((s) => s === 0)) fail("std must not contain 0", "std");
  return {
    resize,
    resample: interp,
    crop,
    cropRounding: "half-even",
    fill,
    rgbConversion: "after-crop",
    rescaleFactor: 1 / 255,
    doNormalize: true,
    mean: json.mean == null ? [...OPENAI_CLIP_MEAN] : triple(json.mean, "mean"),
    std: [...std],
  };
}

/**
 * Reads a Hugging Face `preprocessor_config.json` or an open_clip preprocess config
 * (`{image_size, mean, std, interpolation, resize_mode}`, bare or under `preprocess_cfg` as in
 * `open_clip_config.json`).
 *
 * HF configs are read class-aware, as transformers 5.17 reads them: the class named by
 * `image_processor_type` (else `feature_extractor_type`, else `options.modelType`, the
 * `model_type` of `config.json`) decides the defaults of absent keys and the meaning of legacy
 * forms (an int `size` is square for ViT/DeiT/BLIP and a shortest edge for CLIP/SigLIP/BiT/
 * ConvNeXT), and the class's own steps are reproduced with its PIL backend's maths (RGB first,
 * crop offset floored). open_clip configs follow torchvision (convert after the crop, crop offset
 * rounded half to even). See docs/image-preprocessing.md for the classes and their defaults.
 *
 * @throws ClipkitError `MODEL_CONFIG_INVALID` naming the offending key: a malformed value, an
 * HF config naming no class (and no `modelType`) or a class clipkit does not support, or a
 * combination transformers itself refuses (e.g. `do_normalize` with `image_mean: null`).
 */
export function parsePreprocessorConfig(
  json: unknown,
  options: ImageProcessorResolveOptions = {},
): PreprocessConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return fail(`expected a JSON object, got ${json === null ? "null" : typeof json}`, "");
  }
  const obj = json as Json;
  if (typeof obj.preprocess_cfg === "object" && obj.preprocess_cfg !== null) {
    return parseOpenClip(obj.preprocess_cfg as Json);
  }
  const named = obj.image_processor_type != null || obj.feature_extractor_type != null;
  if (!named && obj.image_size !== undefined && obj.size === undefined) return parseOpenClip(obj);
  return compileSettings(resolveImageProcessor(obj, options));
}

/** Height and width of the tensor {@link preprocessImage} produces for this config, if known up front. */
export function outputSize(config: PreprocessConfig): { height: number; width: number } {
  if (config.crop) return { height: config.crop.height, width: config.crop.width };
  if (config.resize.mode === "squash") return { height: config.resize.height, width: config.resize.width };
  throw new ClipkitError(
    "INVALID_ARGUMENT",
    `output size depends on the input image: the config has resize mode "${config.resize.mode}" and no crop`,
    { details: { argument: "config" } },
  );
}
