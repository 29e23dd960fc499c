import { toRgb } from "./convert.js";
import type { ImageProcessorSettings } from "./hf-config.js";
import { unsupported } from "./hf-config.js";
import { normalisationTable, validateRawImage } from "./preprocess.js";
import { resample } from "./resample.js";
import type { PreprocessConfig, RawImage } from "./types.js";

// Idefics3ImageProcessor / SmolVLMImageProcessor (transformers 5.17, PIL backend; the two are the
// same code): resize the longest edge, resize again to multiples of the tile size, cut tiles plus a
// downscaled global image, rescale + normalise each. Every resize is a Pillow resize of the uint8
// result of the previous one, as the processor chains them.

/** transformers' `MAX_IMAGE_SIZE` for Idefics3: no side beyond 4k. */
const MAX_IMAGE_SIZE = 4096;

/** One image as the vision encoder takes it. */
export interface Idefics3Frames {
  /** `count × 3 × size × size` float32: the tiles row by row, then the global image (or just the image). */
  readonly data: Float32Array;
  readonly count: number;
  /** Side of every frame (`max_image_size.longest_edge`). */
  readonly size: number;
  /** Tile grid (0 × 0 when the image was not split). */
  readonly rows: number;
  readonly cols: number;
}

/** `_resize_output_size_rescale_to_max_len` then `_resize_output_size_scale_below_upper_bound`. */
export function idefics3ResizeSize(
  width: number,
  height: number,
  longestEdge: number,
): { width: number; height: number } {
  let w = width;
  let h = height;
  let aspect = w / h;
  if (w >= h) {
    w = longestEdge;
    h = Math.trunc(w / aspect);
    if (h % 2 !== 0) h += 1;
  } else {
    h = longestEdge;
    w = Math.trunc(h * aspect);
    if (w % 2 !== 0) w += 1;
  }
  h = Math.max(h, 1);
  w = Math.max(w, 1);
  aspect = w / h;
  if (w >= h && w > MAX_IMAGE_SIZE) {
    w = MAX_IMAGE_SIZE;
    h = Math.trunc(w / aspect);
  } else if (h > w && h > MAX_IMAGE_SIZE) {
    h = MAX_IMAGE_SIZE;
    w = Math.trunc(h * aspect);
  }
  return { width: Math.max(w, 1), height: Math.max(h, 1) };
}

/** `resize_for_vision_encoder`: both sides up to multiples of the tile size, the ratio kept. */
export function idefics3EncoderSize(
  width: number,
  height: number,
  tile: number,
): { width: number; height: number } {
  const aspect = width / height;
  if (width >= height) {
    const w = Math.ceil(width / tile) * tile;
    return { width: w, height: Math.ceil(Math.trunc(w / aspect) / tile) * tile };
  }
  const h = Math.ceil(height / tile) * tile;
  return { width: Math.ceil(Math.trunc(h * aspect) / tile) * tile, height: h };
}

function crop(image: RawImage, left: number, top: number, size: number): RawImage {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const from = ((top + y) * image.width + left) * 3;
    data.set(image.data.subarray(from, from + size * 3), y * size * 3);
  }
  return { width: size, height: size, channels: 3, data };
}

/**
 * Runs the Idefics3 / SmolVLM image processor on one image: the frames its `pixel_values` hold
 * for that image (before the batch's padding to a common frame count), with the tile grid.
 *
 * @throws ClipkitError `MODEL_CONFIG_INVALID` for a config transformers would refuse or a
 * non-Idefics3 class; `IMAGE_INVALID` for a malformed image.
 */
export function preprocessIdefics3(image: RawImage, s: ImageProcessorSettings): Idefics3Frames {
  const cls = s.processorClass;
  if (cls !== "Idefics3ImageProcessor" && cls !== "SmolVLMImageProcessor") {
    return unsupported(cls, "preprocessIdefics3 needs an Idefics3 or SmolVLM config", "image_processor_type");
  }
  validateRawImage(image);
  const tile = s.maxImageSize?.longest_edge;
  if (tile === undefined) {
    return unsupported(
      cls,
      `max_image_size must be {longest_edge}, got ${JSON.stringify(s.maxImageSize)}`,
      "max_image_size",
    );
  }
  const filter = s.resample ?? "bilinear";
  const normalize = s.doNormalize === true;
  if (normalize && (s.imageMean === null || s.imageStd === null)) {
    return unsupported(cls, "do_normalize is true but image_mean or image_std is null", "image_mean");
  }
  if (s.doRescale && s.rescaleFactor === null)
    return unsupported(cls, "do_rescale is true but rescale_factor is null", "rescale_factor");
  let img = toRgb(image);
  if (s.doResize) {
    const longest = s.size?.longest_edge;
    if (s.resample === null || s.size === null) {
      return unsupported(cls, "do_resize is true but size or resample is null", "size");
    }
    const target =
      longest !== undefined
        ? idefics3ResizeSize(img.width, img.height, longest)
        : s.size.height !== undefined && s.size.width !== undefined
          ? { width: s.size.width, height: s.size.height }
          : unsupported(
              cls,
              `size must be {longest_edge} or {height, width}, got ${JSON.stringify(s.size)}`,
              "size",
            );
    img = resample(img, target.width, target.height, filter);
  }
  const frames: RawImage[] = [];
  let rows = 0;
  let cols = 0;
  if (s.doImageSplitting) {
    const enc = idefics3EncoderSize(img.width, img.height, tile);
    img = resample(img, enc.width, enc.height, filter);
    if (img.height > tile || img.width > tile) {
      rows = Math.floor((img.height - tile) / tile) + 1;
      cols = Math.floor((img.width - tile) / tile) + 1;
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) frames.push(crop(img, c * tile, r * tile, tile));
      frames.push(resample(img, tile, tile, filter));
    } else {
      frames.push(img);
    }
  } else {
    frames.push(resample(img, tile, tile, filter));
  }
  const config: PreprocessConfig = {
    resize: { mode: "none" },
    resample: filter,
    crop: null,
    cropRounding: "floor",
    rgbConversion: "before-resize",
    rescaleFactor: s.doRescale ? s.rescaleFactor! : 1,
    doNormalize: normalize,
    mean: normalize ? [...s.imageMean!] : [0, 0, 0],
    std: normalize ? [...s.imageStd!] : [1, 1, 1],
  };
  const lut = normalisationTable(config);
  const plane = tile * tile;
  const data = new Float32Array(frames.length * 3 * plane);
  for (const [f, frame] of frames.entries()) {
    const base = f * 3 * plane;
    for (let i = 0; i < plane; i++) {
      for (let ch = 0; ch < 3; ch++) data[base + ch * plane + i] = lut[ch * 256 + frame.data[i * 3 + ch]!]!;
    }
  }
  return { data, count: frames.length, size: tile, rows, cols };
}
