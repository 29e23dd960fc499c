import { ClipkitError } from "../errors.js";
import { bool, fail, finiteNumber, type Json, positiveInt, resampleOf, triple } from "./fields.js";
import {
  CONVNEXT_CROP_PCT,
  canonicalProcessorClass,
  IDEFICS3_TILING,
  IMAGE_PROCESSOR_DEFAULTS,
  type ImageProcessorClass,
  MODEL_TYPE_PROCESSORS,
  QWEN2VL_PATCHING,
  type SizeDict,
} from "./processors.js";
import type { ResampleFilter } from "./types.js";

type Triple = readonly [number, number, number];

/**
 * A `preprocessor_config.json` resolved the way transformers' image-processor class resolves it
 * (`_set_attributes`): class defaults for absent keys, legacy size forms converted with the
 * class's `default_to_square`, explicit `null`s kept (transformers keeps them too, and then
 * refuses a step that needs the value).
 */
export interface ImageProcessorSettings {
  readonly processorClass: ImageProcessorClass;
  readonly doConvertRgb: boolean | null;
  readonly doResize: boolean | null;
  readonly size: SizeDict | null;
  readonly defaultToSquare: boolean | null;
  readonly cropSize: SizeDict | null;
  readonly resample: ResampleFilter | null;
  readonly doRescale: boolean | null;
  readonly rescaleFactor: number | null;
  readonly doNormalize: boolean | null;
  readonly imageMean: Triple | null;
  readonly imageStd: Triple | null;
  readonly doPad: boolean | null;
  readonly doCenterCrop: boolean | null;
  /** ConvNeXT only: fraction of the resize the crop keeps when `shortest_edge < 384`. */
  readonly cropPct?: number | null;
  /** Qwen2-VL only. */
  readonly patchSize?: number;
  readonly mergeSize?: number;
  readonly temporalPatchSize?: number;
  /** Idefics3 / SmolVLM only. */
  readonly maxImageSize?: SizeDict | null;
  readonly doImageSplitting?: boolean | null;
}

/** How to pick the class when the file may not name one. */
export interface ImageProcessorResolveOptions {
  /** Use this class whatever the file says (e.g. `"CLIPImageProcessor"`, `"ViTFeatureExtractor"`). */
  readonly processorClass?: string;
  /** `config.json`'s `model_type`: transformers' fallback when the file names no class. */
  readonly modelType?: string;
}

const SIZE_KEY_SETS = [
  ["height", "width"],
  ["shortest_edge"],
  ["longest_edge", "shortest_edge"],
  ["longest_edge"],
  ["max_height", "max_width"],
  ["max_pixels", "min_pixels"],
] as const;

/** transformers' `get_size_dict`: an int is square or a shortest edge, a list is `[height, width]`. */
export function sizeDict(value: unknown, key: string, defaultToSquare: boolean): SizeDict {
  if (typeof value === "number") {
    const n = positiveInt(value, key);
    return defaultToSquare ? { height: n, width: n } : { shortest_edge: n };
  }
  if (Array.isArray(value)) {
    if (value.length !== 2)
      fail(`${key} as a list must be [height, width], got ${JSON.stringify(value)}`, key);
    return { height: positiveInt(value[0], `${key}[0]`), width: positiveInt(value[1], `${key}[1]`) };
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Json).filter(([, v]) => v !== null && v !== undefined);
    const keys = entries.map(([k]) => k).sort();
    if (SIZE_KEY_SETS.some((set) => set.length === keys.length && set.every((k, i) => keys[i] === k))) {
      return Object.fromEntries(entries.map(([k, v]) => [k, positiveInt(v, `${key}.${k}`)])) as SizeDict;
    }
  }
  return fail(
    `${key} must be an int, [height, width] or a dict with keys {height, width}, {shortest_edge}, ` +
      `{shortest_edge, longest_edge}, {longest_edge}, {max_height, max_width} or {min_pixels, max_pixels}; ` +
      `got ${JSON.stringify(value)}`,
    key,
  );
}

function pickClass(json: Json, options: ImageProcessorResolveOptions): ImageProcessorClass {
  const named = (value: unknown, key: string): ImageProcessorClass => {
    if (typeof value !== "string") fail(`${key} must be a string, got ${JSON.stringify(value)}`, key);
    const cls = canonicalProcessorClass(value);
    if (cls) return cls;
    return fail(
      `${key} ${JSON.stringify(value)} is not an image-processor class clipkit supports ` +
        `(${Object.keys(IMAGE_PROCESSOR_DEFAULTS).join(", ")}, their FeatureExtractor/Fast names, ` +
        "or an open_clip preprocess config)",
      key,
      { value },
    );
  };
  if (options.processorClass !== undefined) return named(options.processorClass, "processorClass");
  if (json.image_processor_type != null) return named(json.image_processor_type, "image_processor_type");
  if (json.feature_extractor_type != null)
    return named(json.feature_extractor_type, "feature_extractor_type");
  if (options.modelType !== undefined) {
    const cls = Object.hasOwn(MODEL_TYPE_PROCESSORS, options.modelType)
      ? MODEL_TYPE_PROCESSORS[options.modelType]
      : undefined;
    if (cls) return cls;
    return fail(
      `names no image_processor_type and model_type ${JSON.stringify(options.modelType)} has no known image processor`,
      "image_processor_type",
      { modelType: options.modelType },
    );
  }
  return fail(
    "names no image_processor_type or feature_extractor_type; pass the class (processorClass) or " +
      "config.json's model_type (modelType)",
    "image_processor_type",
  );
}

/**
 * Resolves a Hugging Face `preprocessor_config.json` against its transformers class: which class
 * (`image_processor_type`, else `feature_extractor_type` with FeatureExtractor → ImageProcessor,
 * else `options.modelType`), then every attribute from the file or the class default.
 *
 * @throws ClipkitError `MODEL_CONFIG_INVALID` for an unknown or missing class or a malformed key
 * (`details.key` names it).
 */
export function resolveImageProcessor(
  json: Json,
  options: ImageProcessorResolveOptions = {},
): ImageProcessorSettings {
  const cls = pickClass(json, options);
  const d = IMAGE_PROCESSOR_DEFAULTS[cls];
  // Absent → class default; explicit null → null (the mixin stores it as an instance attribute).
  const get = <T>(key: string, fallback: T, read: (v: unknown, key: string) => T): T | null => {
    if (!Object.hasOwn(json, key)) return fallback;
    const v = json[key];
    return v === null ? null : read(v, key);
  };
  const defaultToSquare = get("default_to_square", d.defaultToSquare, bool);
  let size = get("size", d.size, (v, k) => sizeDict(v, k, defaultToSquare ?? false));
  if (cls === "CLIPImageProcessor" && json.use_square_size === true) {
    // Kosmos-2 compatibility in CLIPImageProcessor.__init__: square at the *class* default edge.
    size = { height: 224, width: 224 };
  }
  const settings: ImageProcessorSettings = {
    processorClass: cls,
    doConvertRgb: get("do_convert_rgb", d.doConvertRgb, bool),
    doResize: get("do_resize", true, bool),
    size,
    defaultToSquare,
    cropSize: get("crop_size", d.cropSize, (v, k) => sizeDict(v, k, true)),
    resample: get("resample", d.resample, resampleOf),
    doRescale: get("do_rescale", true, bool),
    rescaleFactor: get("rescale_factor", 1 / 255, finiteNumber),
    doNormalize: get("do_normalize", true, bool),
    imageMean: get("image_mean", d.imageMean, triple),
    imageStd: get("image_std", d.imageStd, triple),
    doPad: get("do_pad", d.doPad, bool),
    doCenterCrop: get("do_center_crop", d.doCenterCrop, bool),
  };
  if (cls === "ConvNextImageProcessor") {
    return { ...settings, cropPct: get("crop_pct", CONVNEXT_CROP_PCT, finiteNumber) };
  }
  if (cls === "Qwen2VLImageProcessor") return qwen2vl(json, settings, get);
  if (cls === "Idefics3ImageProcessor" || cls === "SmolVLMImageProcessor") {
    return {
      ...settings,
      maxImageSize: get("max_image_size", IDEFICS3_TILING.maxImageSize, (v, k) => sizeDict(v, k, true)),
      doImageSplitting: get("do_image_splitting", IDEFICS3_TILING.doImageSplitting, bool),
    };
  }
  return settings;
}

type Getter = <T>(key: string, fallback: T, read: (v: unknown, key: string) => T) => T | null;

/** Qwen2VLImageProcessor.__init__: top-level `min_pixels` / `max_pixels` override the size dict. */
function qwen2vl(json: Json, settings: ImageProcessorSettings, get: Getter): ImageProcessorSettings {
  const given = Object.hasOwn(json, "size") && json.size !== null;
  // (A non-dict size is validated by sizeDict first: an int would be a bare shortest edge.)
  let size: Record<string, number> = given
    ? { ...sizeDict(json.size, "size", false) }
    : { ...IMAGE_PROCESSOR_DEFAULTS.Qwen2VLImageProcessor.size };
  if (json.min_pixels != null) {
    size.shortest_edge = positiveInt(json.min_pixels, "min_pixels");
    delete size.min_pixels;
  }
  if (json.max_pixels != null) {
    size.longest_edge = positiveInt(json.max_pixels, "max_pixels");
    delete size.max_pixels;
  }
  size = { ...sizeDict(size, "size", false) };
  const int = (v: unknown, k: string) => positiveInt(v, k);
  return {
    ...settings,
    size,
    patchSize: get("patch_size", QWEN2VL_PATCHING.patchSize, int) ?? QWEN2VL_PATCHING.patchSize,
    mergeSize: get("merge_size", QWEN2VL_PATCHING.mergeSize, int) ?? QWEN2VL_PATCHING.mergeSize,
    temporalPatchSize:
      get("temporal_patch_size", QWEN2VL_PATCHING.temporalPatchSize, int) ??
      QWEN2VL_PATCHING.temporalPatchSize,
  };
}

/** Thrown for a config transformers itself would refuse to run, or one clipkit cannot run. */
export function unsupported(cls: ImageProcessorClass, message: string, key: string): never {
  throw new ClipkitError("MODEL_CONFIG_INVALID", `preprocessor config (${cls}): ${message}`, {
    details: { file: "preprocessor_config.json", key, processorClass: cls },
  });
}

/**
 * `config.json`'s `model_type`, read as a hint for {@link resolveImageProcessor} when a
 * `preprocessor_config.json` names no class (transformers' `AutoImageProcessor` falls back the same
 * way). Absent, unreadable or non-string → undefined (the processor config must then name its class).
 */
export async function readModelTypeHint(files: {
  exists(path: string): Promise<boolean>;
  readText(path: string): Promise<string>;
}): Promise<string | undefined> {
  if (!(await files.exists("config.json"))) return undefined;
  try {
    const type = (JSON.parse(await files.readText("config.json")) as { model_type?: unknown }).model_type;
    return typeof type === "string" ? type : undefined;
  } catch {
    return undefined;
  }
}
