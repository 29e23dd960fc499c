import { ClipkitError } from "../errors.js";
import type { PreprocessConfig, ResampleFilter, ResizeSpec } from "./types.js";

/** openai/CLIP's normalisation constants (also open_clip's `OPENAI_DATASET_MEAN/STD`). */
export const OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
/** @see OPENAI_CLIP_MEAN */
export const OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/** Pillow's `Image.Resampling` integer values, as stored in HF `resample` fields. */
const PIL_FILTERS: readonly ResampleFilter[] = [
  "nearest",
  "lanczos",
  "bilinear",
  "bicubic",
  "box",
  "hamming",
];

type Json = Record<string, unknown>;

function fail(message: string, key: string): never {
  throw new ClipkitError("MODEL_CONFIG_INVALID", `preprocessor config: ${message}`, {
    details: { file: "preprocessor_config.json", key },
  });
}

function positiveInt(value: unknown, key: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    fail(`${key} must be a positive integer, got ${JSON.stringify(value)}`, key);
  }
  return value;
}

function triple(value: unknown, key: string, fallback: readonly number[]): [number, number, number] {
  if (value === undefined || value === null) return [fallback[0]!, fallback[1]!, fallback[2]!];
  const list = typeof value === "number" ? [value, value, value] : value;
  if (
    !Array.isArray(list) ||
    list.length !== 3 ||
    !list.every((v) => typeof v === "number" && Number.isFinite(v))
  ) {
    fail(`${key} must be a number or 3 finite numbers, got ${JSON.stringify(value)}`, key);
  }
  return [list[0], list[1], list[2]];
}

function bool(value: unknown, key: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") fail(`${key} must be a boolean, got ${JSON.stringify(value)}`, key);
  return value;
}

function resampleOf(value: unknown, key: string): ResampleFilter {
  if (value === undefined || value === null) return "bicubic";
  if (typeof value === "number" && PIL_FILTERS[value] !== undefined) return PIL_FILTERS[value]!;
  if (typeof value === "string" && (PIL_FILTERS as readonly string[]).includes(value)) {
    return value as ResampleFilter;
  }
  return fail(`${key} must be a Pillow filter (0-5 or a name), got ${JSON.stringify(value)}`, key);
}

/** `size` / `crop_size` in any of the shapes HF has used: an int, `{shortest_edge}`, `{height, width}`. */
function hfSize(value: unknown, key: string, square: boolean): ResizeSpec {
  if (typeof value === "number") {
    const n = positiveInt(value, key);
    return square ? { mode: "squash", height: n, width: n } : { mode: "shortest_edge", size: n };
  }
  if (typeof value === "object" && value !== null) {
    const v = value as Json;
    if (v.shortest_edge !== undefined)
      return { mode: "shortest_edge", size: positiveInt(v.shortest_edge, `${key}.shortest_edge`) };
    if (v.height !== undefined || v.width !== undefined) {
      return {
        mode: "squash",
        height: positiveInt(v.height, `${key}.height`),
        width: positiveInt(v.width, `${key}.width`),
      };
    }
  }
  return fail(`${key} must be an int, {shortest_edge} or {height, width}, got ${JSON.stringify(value)}`, key);
}

function parseHf(json: Json): PreprocessConfig {
  const doResize = bool(json.do_resize, "do_resize", true);
  const resize: ResizeSpec = doResize ? hfSize(json.size ?? 224, "size", false) : { mode: "none" };
  let crop: PreprocessConfig["crop"] = null;
  if (bool(json.do_center_crop, "do_center_crop", json.crop_size !== undefined)) {
    const spec = hfSize(json.crop_size ?? 224, "crop_size", true);
    if (spec.mode !== "squash") fail("crop_size must be an int or {height, width}", "crop_size");
    crop = { height: spec.height, width: spec.width };
  }
  const doRescale = bool(json.do_rescale, "do_rescale", true);
  const factor = json.rescale_factor ?? 1 / 255;
  if (typeof factor !== "number" || !Number.isFinite(factor))
    fail("rescale_factor must be a finite number", "rescale_factor");
  return {
    resize,
    resample: resampleOf(json.resample, "resample"),
    crop,
    cropRounding: "floor",
    rgbConversion: "before-resize",
    rescaleFactor: doRescale ? factor : 1,
    doNormalize: bool(json.do_normalize, "do_normalize", true),
    mean: triple(json.image_mean, "image_mean", OPENAI_CLIP_MEAN),
    std: triple(json.image_std, "image_std", OPENAI_CLIP_STD),
  };
}

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
  const std = triple(json.std, "std", OPENAI_CLIP_STD);
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
    mean: triple(json.mean, "mean", OPENAI_CLIP_MEAN),
    std,
  };
}

/**
 * Reads a Hugging Face `preprocessor_config.json` (CLIPImageProcessor, CLIPFeatureExtractor,
 * SiglipImageProcessor and look-alikes) or an open_clip preprocess config (`{image_size, mean,
 * std, interpolation, resize_mode}`, bare or under `preprocess_cfg` as in `open_clip_config.json`).
 *
 * The source decides the details where the reference implementations differ: HF configs convert
 * to RGB first and floor the crop offset; open_clip configs follow torchvision (convert after the
 * crop, crop offset rounded half to even).
 *
 * @throws ClipkitError `MODEL_CONFIG_INVALID` naming the offending key.
 */
export function parsePreprocessorConfig(json: unknown): PreprocessConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return fail(`expected a JSON object, got ${json === null ? "null" : typeof json}`, "");
  }
  const obj = json as Json;
  if (typeof obj.preprocess_cfg === "object" && obj.preprocess_cfg !== null) {
    return parseOpenClip(obj.preprocess_cfg as Json);
  }
  if (obj.image_size !== undefined && obj.size === undefined) return parseOpenClip(obj);
  return parseHf(obj);
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
