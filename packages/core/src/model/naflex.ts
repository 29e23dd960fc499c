import { ClipkitError } from "../errors.js";
import { parsePreprocessorConfig } from "../image/config.js";
import { preprocessImage } from "../image/preprocess.js";
import type { PreprocessConfig, RawImage } from "../image/types.js";
import type { PixelBatch } from "./towers.js";

/**
 * SigLIP 2 NaFlex preprocessing (transformers `Siglip2ImageProcessor`): each image keeps its
 * aspect ratio, is resized so that its patch grid holds at most `maxNumPatches` patches, cut into
 * `patchSize²·3` rows and padded to `maxNumPatches` rows, with a mask and its grid shape.
 */
export interface NaflexConfig {
  readonly patchSize: number;
  readonly maxNumPatches: number;
  /** Resampling, rescale and normalisation, as the processor file gives them (its resize is replaced per image). */
  readonly pixels: PreprocessConfig;
}

type Json = Record<string, unknown>;

function positiveInt(json: Json, key: string, fallback: number): number {
  const v = json[key] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw new ClipkitError(
      "MODEL_CONFIG_INVALID",
      `preprocessor_config.json: ${key} must be a positive integer, got ${JSON.stringify(v)}`,
      { details: { file: "preprocessor_config.json", key } },
    );
  }
  return v;
}

/** Whether a `preprocessor_config.json` describes a NaFlex processor (`Siglip2ImageProcessor[Fast|Pil]`). */
export function isNaflexProcessor(json: unknown): boolean {
  const type = (json as Json | null)?.image_processor_type;
  return typeof type === "string" && type.startsWith("Siglip2ImageProcessor");
}

/**
 * Reads a `Siglip2ImageProcessor` config (defaults as the class: patch 16, 256 patches, bilinear,
 * mean = std = 0.5).
 *
 * @throws ClipkitError `MODEL_CONFIG_INVALID` naming the key at fault.
 */
export function parseNaflexConfig(json: unknown): NaflexConfig {
  const obj = (typeof json === "object" && json !== null ? json : {}) as Json;
  const patchSize = positiveInt(obj, "patch_size", 16);
  // The per-pixel steps (resample, rescale, normalise) are SigLIP's; the size is only a stand-in,
  // since NaFlex picks each image's size itself (naflexImageSize).
  const pixels = parsePreprocessorConfig(
    {
      resample: 2,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      ...obj,
      size: { height: patchSize, width: patchSize },
    },
    { processorClass: "SiglipImageProcessor" },
  );
  return {
    patchSize,
    maxNumPatches: positiveInt(obj, "max_num_patches", 256),
    pixels: { ...pixels, crop: null },
  };
}

/**
 * transformers' `get_image_size_for_max_num_patches`: binary search (to `eps`) for the largest
 * scale whose patch-aligned size (each side rounded up to a multiple of `patchSize`, at least one
 * patch) has at most `maxNumPatches` patches. Same float64 steps as the Python, so same sizes.
 */
export function naflexImageSize(
  height: number,
  width: number,
  patchSize: number,
  maxNumPatches: number,
  eps = 1e-5,
): { height: number; width: number } {
  const scaled = (scale: number, size: number) =>
    Math.max(patchSize, Math.ceil((size * scale) / patchSize) * patchSize);
  let lo = eps / 10;
  let hi = 100.0;
  while (hi - lo >= eps) {
    const scale = (lo + hi) / 2;
    const patches = (scaled(scale, height) / patchSize) * (scaled(scale, width) / patchSize);
    if (patches <= maxNumPatches) lo = scale;
    else hi = scale;
  }
  return { height: scaled(lo, height), width: scaled(lo, width) };
}

/**
 * Preprocesses a batch for a NaFlex vision graph: `pixel_values` `[N, maxNumPatches, p·p·3]`
 * (patch rows in raster order, each `(y, x, channel)`), `pixel_attention_mask` `[N, maxNumPatches]`
 * (1 for real patches) and `spatial_shapes` `[N, 2]` (patch rows, patch columns).
 *
 * @throws ClipkitError `INVALID_ARGUMENT` for an empty batch; `IMAGE_INVALID` for a malformed image.
 */
export function naflexBatch(images: readonly RawImage[], config: NaflexConfig): PixelBatch {
  if (images.length === 0) {
    throw new ClipkitError("INVALID_ARGUMENT", "naflexBatch needs at least one image", {
      details: { argument: "images" },
    });
  }
  const p = config.patchSize;
  const row = p * p * 3;
  const per = config.maxNumPatches * row;
  const data = new Float32Array(images.length * per);
  const mask = new BigInt64Array(images.length * config.maxNumPatches);
  const shapes = new BigInt64Array(images.length * 2);
  for (const [i, image] of images.entries()) {
    const size = naflexImageSize(image.height, image.width, p, config.maxNumPatches);
    const chw = preprocessImage(image, { ...config.pixels, resize: { mode: "squash", ...size } });
    const rows = size.height / p;
    const cols = size.width / p;
    const plane = size.height * size.width;
    let o = i * per;
    for (let pr = 0; pr < rows; pr++) {
      for (let pc = 0; pc < cols; pc++) {
        for (let y = 0; y < p; y++) {
          const base = (pr * p + y) * size.width + pc * p;
          for (let x = 0; x < p; x++) {
            for (let c = 0; c < 3; c++) data[o++] = chw[c * plane + base + x]!;
          }
        }
      }
    }
    mask.fill(1n, i * config.maxNumPatches, i * config.maxNumPatches + rows * cols);
    shapes[2 * i] = BigInt(rows);
    shapes[2 * i + 1] = BigInt(cols);
  }
  return {
    data,
    dims: [images.length, config.maxNumPatches, row],
    pixelAttentionMask: mask,
    spatialShapes: shapes,
  };
}
