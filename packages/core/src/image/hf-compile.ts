import type { ImageProcessorSettings } from "./hf-config.js";
import { unsupported } from "./hf-config.js";
import type { SizeDict } from "./processors.js";
import type { PreprocessConfig, ResizeSpec } from "./types.js";

// Turns resolved transformers settings into clipkit's PreprocessConfig, following each class's
// PIL-backend `_preprocess` (transformers 5.17): resize → centre crop → rescale → normalise, with
// the class's own resize (ConvNeXT's crop_pct, Qwen2-VL's smart_resize) and LLaVA's pad-to-square.

/** What `PilBackend.resize` does with a size dict (the forms clipkit runs). */
function genericResize(s: ImageProcessorSettings, size: SizeDict): ResizeSpec {
  const keys = Object.keys(size).sort().join(",");
  if (keys === "shortest_edge") return { mode: "shortest_edge", size: size.shortest_edge! };
  if (keys === "height,width") return { mode: "squash", height: size.height!, width: size.width! };
  return unsupported(
    s.processorClass,
    `size ${JSON.stringify(size)} is not supported (clipkit runs {shortest_edge} and {height, width})`,
    "size",
  );
}

function cropOf(s: ImageProcessorSettings): { height: number; width: number } | null {
  if (!s.doCenterCrop) return null;
  const c = s.cropSize;
  if (c === null)
    return unsupported(s.processorClass, "do_center_crop is true but crop_size is null", "crop_size");
  if (c.height === undefined || c.width === undefined) {
    return unsupported(
      s.processorClass,
      `crop_size must be {height, width}, got ${JSON.stringify(c)}`,
      "crop_size",
    );
  }
  return { height: c.height, width: c.width };
}

/** ConvNextImageProcessor.resize: below 384 resize to `int(edge / crop_pct)` and crop `edge²`; else squash. */
function convnext(
  s: ImageProcessorSettings,
  size: SizeDict,
): { resize: ResizeSpec; crop: { height: number; width: number } | null } {
  const edge = size.shortest_edge;
  if (edge === undefined || Object.keys(size).length !== 1) {
    return unsupported(s.processorClass, `size must be {shortest_edge}, got ${JSON.stringify(size)}`, "size");
  }
  if (edge >= 384) return { resize: { mode: "squash", height: edge, width: edge }, crop: cropOf(s) };
  const pct = s.cropPct;
  if (pct === null || pct === undefined || !(pct > 0)) {
    return unsupported(s.processorClass, `crop_pct must be a positive number, got ${pct}`, "crop_pct");
  }
  if (s.doCenterCrop) {
    // Two successive floor-offset crops do not reduce to one: refuse rather than approximate.
    return unsupported(
      s.processorClass,
      "do_center_crop together with shortest_edge < 384 is not supported",
      "do_center_crop",
    );
  }
  return {
    resize: { mode: "shortest_edge", size: Math.trunc(edge / pct) },
    crop: { height: edge, width: edge },
  };
}

function qwen2vl(s: ImageProcessorSettings, size: SizeDict): ResizeSpec {
  if (size.shortest_edge === undefined || size.longest_edge === undefined) {
    return unsupported(
      s.processorClass,
      `size must have shortest_edge and longest_edge (min/max pixels), got ${JSON.stringify(size)}`,
      "size",
    );
  }
  return {
    mode: "smart_resize",
    factor: s.patchSize! * s.mergeSize!,
    minPixels: size.shortest_edge,
    maxPixels: size.longest_edge,
  };
}

/**
 * The {@link PreprocessConfig} that reproduces the class's PIL-backend pixels.
 *
 * Deviation: classes that leave `do_convert_rgb` unset (ViT, DeiT, ConvNeXT) make transformers
 * fail on grey or RGBA inputs (3 means for 1 or 4 channels); clipkit converts to RGB instead.
 *
 * @throws ClipkitError `MODEL_CONFIG_INVALID` where transformers would refuse the config (a step
 * enabled without its value), a class whose output is not one tensor (Idefics3/SmolVLM: see
 * `preprocessIdefics3`), or size forms other than the class uses.
 */
export function compileSettings(s: ImageProcessorSettings): PreprocessConfig {
  const cls = s.processorClass;
  if (cls === "Idefics3ImageProcessor" || cls === "SmolVLMImageProcessor") {
    return unsupported(
      cls,
      "its output is several frames (tiles + a global image), not one tensor: use " +
        "preprocessIdefics3(image, resolveImageProcessor(json))",
      "image_processor_type",
    );
  }
  let resize: ResizeSpec = { mode: "none" };
  let crop = cropOf(s);
  if (s.doResize) {
    if (s.size === null || s.resample === null) {
      return unsupported(
        cls,
        "do_resize is true but size or resample is null",
        s.size === null ? "size" : "resample",
      );
    }
    if (cls === "ConvNextImageProcessor") ({ resize, crop } = convnext(s, s.size));
    else if (cls === "Qwen2VLImageProcessor") resize = qwen2vl(s, s.size);
    else resize = genericResize(s, s.size);
  }
  // Qwen2-VL's _preprocess has no centre-crop step.
  if (cls === "Qwen2VLImageProcessor") crop = null;
  if (s.doRescale && s.rescaleFactor === null)
    return unsupported(cls, "do_rescale is true but rescale_factor is null", "rescale_factor");
  const normalize = s.doNormalize === true;
  if (normalize && (s.imageMean === null || s.imageStd === null)) {
    return unsupported(cls, "do_normalize is true but image_mean or image_std is null", "image_mean");
  }
  if (normalize && s.imageStd!.some((v) => v === 0))
    return unsupported(cls, "image_std must not contain 0", "image_std");
  const config: PreprocessConfig = {
    resize,
    resample: s.resample ?? "bilinear",
    crop,
    cropRounding: "floor",
    rgbConversion: "before-resize",
    rescaleFactor: s.doRescale ? s.rescaleFactor! : 1,
    doNormalize: normalize,
    mean: normalize ? [...s.imageMean!] : [0, 0, 0],
    std: normalize ? [...s.imageStd!] : [1, 1, 1],
  };
  if (cls === "LlavaImageProcessor" && s.doPad) {
    // LlavaImageProcessor._preprocess: background = tuple(int(x * 255) for x in image_mean).
    const bg = (s.imageMean ?? [0, 0, 0]).map((m) => Math.trunc(m * 255)) as [number, number, number];
    return { ...config, padToSquare: bg };
  }
  return config;
}
