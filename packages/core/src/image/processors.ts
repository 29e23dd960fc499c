import type { ResampleFilter } from "./types.js";

// The transformers image-processor classes clipkit reads, with their class-level defaults as
// transformers 5.17 defines them (models/*/image_processing_pil_*.py and BaseImageProcessor).
// A field a config leaves out takes these values, exactly as `_set_attributes` does.

/** The transformers classes whose `preprocessor_config.json` clipkit understands. */
export type ImageProcessorClass =
  | "CLIPImageProcessor"
  | "ViTImageProcessor"
  | "SiglipImageProcessor"
  | "BlipImageProcessor"
  | "DeiTImageProcessor"
  | "ConvNextImageProcessor"
  | "BitImageProcessor"
  | "LlavaImageProcessor"
  | "Qwen2VLImageProcessor"
  | "Idefics3ImageProcessor"
  | "SmolVLMImageProcessor";

/**
 * transformers' `SizeDict`, keys as written in configs. Valid key sets: `{height, width}`,
 * `{shortest_edge}`, `{shortest_edge, longest_edge}`, `{longest_edge}`, `{max_height, max_width}`,
 * `{min_pixels, max_pixels}`.
 */
export interface SizeDict {
  readonly height?: number;
  readonly width?: number;
  readonly shortest_edge?: number;
  readonly longest_edge?: number;
  readonly max_height?: number;
  readonly max_width?: number;
  readonly min_pixels?: number;
  readonly max_pixels?: number;
}

type Triple = readonly [number, number, number];

/** Class-level defaults; `null` where the class leaves the attribute unset (Python `None`). */
export interface ImageProcessorDefaults {
  readonly resample: ResampleFilter;
  readonly imageMean: Triple;
  readonly imageStd: Triple;
  readonly size: SizeDict;
  readonly defaultToSquare: boolean;
  readonly cropSize: SizeDict | null;
  readonly doCenterCrop: boolean | null;
  readonly doConvertRgb: boolean | null;
  readonly doPad: boolean | null;
}

/** `OPENAI_CLIP_MEAN` / `OPENAI_CLIP_STD` in transformers' image_utils. */
const OPENAI: Pick<ImageProcessorDefaults, "imageMean" | "imageStd"> = {
  imageMean: [0.48145466, 0.4578275, 0.40821073],
  imageStd: [0.26862954, 0.26130258, 0.27577711],
};
/** `IMAGENET_STANDARD_MEAN` / `IMAGENET_STANDARD_STD`: 0.5 everywhere. */
const STANDARD: Pick<ImageProcessorDefaults, "imageMean" | "imageStd"> = {
  imageMean: [0.5, 0.5, 0.5],
  imageStd: [0.5, 0.5, 0.5],
};
const UNSET = { cropSize: null, doCenterCrop: null, doConvertRgb: null, doPad: null } as const;
const SQUARE_224 = { height: 224, width: 224 };
/** CLIPImageProcessor's defaults; BiT and LLaVA's are the same. */
const CLIP_LIKE: ImageProcessorDefaults = {
  ...UNSET,
  ...OPENAI,
  resample: "bicubic",
  size: { shortest_edge: 224 },
  defaultToSquare: false,
  cropSize: SQUARE_224,
  doCenterCrop: true,
  doConvertRgb: true,
};
const IDEFICS3: ImageProcessorDefaults = {
  ...UNSET,
  ...STANDARD,
  resample: "lanczos",
  size: { longest_edge: 4 * 364 },
  defaultToSquare: true,
  doConvertRgb: true,
  doPad: true,
};

/** Per-class defaults (transformers 5.17, `*ImageProcessorPil`). */
export const IMAGE_PROCESSOR_DEFAULTS: Readonly<Record<ImageProcessorClass, ImageProcessorDefaults>> = {
  CLIPImageProcessor: CLIP_LIKE,
  BitImageProcessor: CLIP_LIKE,
  LlavaImageProcessor: { ...CLIP_LIKE, doPad: false },
  ViTImageProcessor: { ...UNSET, ...STANDARD, resample: "bilinear", size: SQUARE_224, defaultToSquare: true },
  SiglipImageProcessor: {
    ...UNSET,
    ...STANDARD,
    resample: "bicubic",
    size: SQUARE_224,
    defaultToSquare: false,
    doConvertRgb: true,
  },
  BlipImageProcessor: {
    ...UNSET,
    ...OPENAI,
    resample: "bicubic",
    size: { height: 384, width: 384 },
    defaultToSquare: true,
    doConvertRgb: true,
  },
  DeiTImageProcessor: {
    ...UNSET,
    ...STANDARD,
    resample: "bicubic",
    size: { height: 256, width: 256 },
    defaultToSquare: true,
    cropSize: SQUARE_224,
    doCenterCrop: true,
  },
  ConvNextImageProcessor: {
    ...UNSET,
    ...STANDARD,
    resample: "bicubic",
    size: { shortest_edge: 384 },
    defaultToSquare: false,
  },
  Qwen2VLImageProcessor: {
    ...UNSET,
    ...OPENAI,
    resample: "bicubic",
    size: { shortest_edge: 56 * 56, longest_edge: 28 * 28 * 1280 },
    defaultToSquare: false,
    doConvertRgb: true,
  },
  Idefics3ImageProcessor: IDEFICS3,
  SmolVLMImageProcessor: IDEFICS3,
};

/** ConvNeXT's `crop_pct` default (224 / 256). */
export const CONVNEXT_CROP_PCT = 224 / 256;
/** Qwen2-VL's patching defaults. */
export const QWEN2VL_PATCHING = { patchSize: 14, mergeSize: 2, temporalPatchSize: 2 } as const;
/** Idefics3 / SmolVLM: tile size and splitting defaults. */
export const IDEFICS3_TILING: { readonly maxImageSize: SizeDict; readonly doImageSplitting: boolean } = {
  maxImageSize: { longest_edge: 364 },
  doImageSplitting: true,
};

/**
 * `config.json` `model_type` → image-processor class, for configs that name no class
 * (transformers' `IMAGE_PROCESSOR_MAPPING_NAMES`, restricted to the classes above).
 */
export const MODEL_TYPE_PROCESSORS: Readonly<Record<string, ImageProcessorClass>> = {
  clip: "CLIPImageProcessor",
  altclip: "CLIPImageProcessor",
  florence2: "CLIPImageProcessor",
  git: "CLIPImageProcessor",
  "kosmos-2": "CLIPImageProcessor",
  vipllava: "CLIPImageProcessor",
  vit: "ViTImageProcessor",
  swin: "ViTImageProcessor",
  siglip: "SiglipImageProcessor",
  paligemma: "SiglipImageProcessor",
  blip: "BlipImageProcessor",
  "blip-2": "BlipImageProcessor",
  instructblip: "BlipImageProcessor",
  deit: "DeiTImageProcessor",
  convnext: "ConvNextImageProcessor",
  convnextv2: "ConvNextImageProcessor",
  bit: "BitImageProcessor",
  dinov2: "BitImageProcessor",
  llava: "LlavaImageProcessor",
  qwen2_vl: "Qwen2VLImageProcessor",
  idefics3: "Idefics3ImageProcessor",
  smolvlm: "SmolVLMImageProcessor",
};

/** Whether `name` is one of the classes above. */
export function isImageProcessorClass(name: string): name is ImageProcessorClass {
  return Object.hasOwn(IMAGE_PROCESSOR_DEFAULTS, name);
}

/**
 * The class a stored name refers to, as transformers' `AutoImageProcessor` resolves it:
 * `*FeatureExtractor` → `*ImageProcessor`, and the `Fast` / `Pil` backend suffixes name the
 * same class. Returns `undefined` for a class clipkit does not know.
 */
export function canonicalProcessorClass(name: string): ImageProcessorClass | undefined {
  let base = name.replace("FeatureExtractor", "ImageProcessor");
  if (base.endsWith("Fast")) base = base.slice(0, -4);
  else if (base.endsWith("Pil")) base = base.slice(0, -3);
  return isImageProcessorClass(base) ? base : undefined;
}
