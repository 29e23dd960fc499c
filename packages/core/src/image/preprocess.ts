import { ClipkitError } from "../errors.js";
import { outputSize } from "./config.js";
import { premultiply, toRgb, unpremultiplyPixels } from "./convert.js";
import { resampleRows } from "./resample.js";
import type { CropRounding, PreprocessConfig, PreprocessedBatch, RawImage, ResizeSpec } from "./types.js";

/**
 * Checks that `image` is a well-formed {@link RawImage}: positive integer sizes, 1–4 channels and
 * exactly `width * height * channels` bytes.
 *
 * @throws ClipkitError `IMAGE_INVALID` naming the bad field.
 */
export function validateRawImage(image: RawImage, name = "image"): void {
  const fail = (message: string, field: string): never => {
    throw new ClipkitError("IMAGE_INVALID", `${name}: ${message}`, { details: { argument: name, field } });
  };
  if (typeof image !== "object" || image === null) fail("expected a RawImage object", "");
  const { data, width, height, channels } = image;
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    fail("data must be a Uint8Array or Uint8ClampedArray", "data");
  }
  if (!Number.isInteger(width) || width < 1) fail(`width must be a positive integer, got ${width}`, "width");
  if (!Number.isInteger(height) || height < 1)
    fail(`height must be a positive integer, got ${height}`, "height");
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    fail(`channels must be 1, 2, 3 or 4, got ${channels}`, "channels");
  }
  const expected = width * height * channels;
  if (data.length !== expected) {
    fail(`data has ${data.length} bytes, expected ${width}×${height}×${channels} = ${expected}`, "data");
  }
}

/**
 * The size an image of `width × height` is resized to. Shortest-edge resizing keeps the short side
 * at `size` and truncates the long side, `int(size * long / short)`, which is what both
 * torchvision's `Resize(int)` and HF's `get_resize_output_image_size` compute.
 */
export function resizeTarget(
  width: number,
  height: number,
  spec: ResizeSpec,
): { width: number; height: number } {
  if (spec.mode === "none") return { width, height };
  if (spec.mode === "squash") return { width: spec.width, height: spec.height };
  if (spec.mode === "keep_ratio") {
    const rh = height / spec.height;
    const rw = width / spec.width;
    const ratio = spec.longest ? Math.max(rh, rw) : Math.min(rh, rw);
    // Python's round(); at least 1 pixel so extreme strips stay valid images.
    return {
      width: Math.max(1, roundHalfEven(width / ratio)),
      height: Math.max(1, roundHalfEven(height / ratio)),
    };
  }
  if (spec.mode === "smart_resize") return smartResize(width, height, spec);
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((spec.size * long) / short);
  return width <= height ? { width: spec.size, height: newLong } : { width: newLong, height: spec.size };
}

/**
 * Qwen2-VL's `smart_resize` (transformers `image_processing_pil_qwen2_vl.py`), in the same double
 * arithmetic: sides rounded to multiples of `factor`, then scaled down (floor) or up (ceil) by
 * `sqrt` of the pixel-count ratio when outside `[minPixels, maxPixels]`.
 *
 * @throws ClipkitError `IMAGE_INVALID` when the aspect ratio exceeds 200 (transformers refuses it).
 */
function smartResize(
  width: number,
  height: number,
  spec: { readonly factor: number; readonly minPixels: number; readonly maxPixels: number },
): { width: number; height: number } {
  const { factor, minPixels, maxPixels } = spec;
  const ratio = Math.max(height, width) / Math.min(height, width);
  if (ratio > 200) {
    throw new ClipkitError(
      "IMAGE_INVALID",
      `image: aspect ratio must be at most 200 for smart_resize, got ${ratio}`,
      {
        details: { argument: "image", field: "width", width, height },
      },
    );
  }
  let h = roundHalfEven(height / factor) * factor;
  let w = roundHalfEven(width / factor) * factor;
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return { width: w, height: h };
}

/** Python's `round()`: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Offset of the crop window inside a side of length `size` (negative = zero padding before).
 * torchvision pads by `floor(pad / 2)` first and then crops at offset 0, HF's numpy crop floors
 * `(size - target) / 2` in both cases.
 */
export function cropOffset(size: number, target: number, rounding: CropRounding): number {
  const half = (size - target) / 2;
  if (rounding === "floor") return Math.floor(half);
  return size >= target ? roundHalfEven(half) : Math.ceil(half);
}

/** Per-channel lookup of `(v * rescale - mean) / std` in float32, the order and precision torch/numpy use. */
export function normalisationTable(config: PreprocessConfig): Float32Array {
  const lut = new Float32Array(3 * 256);
  const f = config.rescaleFactor;
  for (let ch = 0; ch < 3; ch++) {
    const mean = Math.fround(config.mean[ch]!);
    const std = Math.fround(config.std[ch]!);
    for (let v = 0; v < 256; v++) {
      const x = Math.fround(v * f);
      lut[ch * 256 + v] = config.doNormalize ? Math.fround(x - mean) / std : x;
    }
  }
  return lut;
}

/**
 * Resize per the config in Pillow's mode semantics, crop, rescale and normalise into `out` at
 * `at` (CHW). Only the part of the resized image the crop keeps is computed, and each resized
 * row is normalised while it is still in cache.
 */
function preprocessInto(
  source: RawImage,
  config: PreprocessConfig,
  lut: Float32Array,
  out: Float32Array,
  at: number,
): void {
  const image = config.padToSquare ? padToSquare(source, config.padToSquare) : source;
  const target = resizeTarget(image.width, image.height, config.resize);
  const crop = config.crop ?? target;
  const top = cropOffset(target.height, crop.height, config.cropRounding);
  const left = cropOffset(target.width, crop.width, config.cropRounding);
  // The crop may hang over the edges (zero padding): compute only the overlap.
  const win = {
    top: Math.max(0, top),
    left: Math.max(0, left),
    height: Math.min(target.height, top + crop.height) - Math.max(0, top),
    width: Math.min(target.width, left + crop.width) - Math.max(0, left),
  };
  const plane = crop.height * crop.width;
  if (win.height < crop.height || win.width < crop.width) {
    const fill = config.fill ?? 0;
    for (let ch = 0; ch < 3; ch++) out.fill(lut[ch * 256 + fill]!, at + ch * plane, at + (ch + 1) * plane);
  }

  let src = image;
  let filter = config.resample;
  let premultiplied = false;
  const alpha = image.channels === 2 || image.channels === 4;
  if (target.width === image.width && target.height === image.height) {
    filter = "nearest"; // a copy: Pillow does not convert modes for a same-size resize
  } else if (config.rgbConversion === "before-resize") {
    // convert("RGB") first; a grey image stays one channel through the resize (same maths, 3× less work).
    if (alpha) src = dropAlpha(image);
  } else {
    // torchvision order: Pillow resizes the source mode. `P` is always nearest, RGBA/LA premultiplied.
    if (image.indexed) filter = "nearest";
    if (alpha && filter !== "nearest") {
      src = premultiply(image);
      premultiplied = true;
    }
  }

  const c = src.channels;
  const grey = c < 3;
  const base = at + (win.top - top) * crop.width + (win.left - left);
  resampleRows(src, target.width, target.height, filter, win, (y, row) => {
    if (premultiplied) unpremultiplyPixels(row, c as 2 | 4);
    const o = base + y * crop.width;
    for (let x = 0, p = 0; x < win.width; x++, p += c) {
      const r = row[p]!;
      out[o + x] = lut[r]!;
      out[o + plane + x] = lut[256 + (grey ? r : row[p + 1]!)]!;
      out[o + 2 * plane + x] = lut[512 + (grey ? r : row[p + 2]!)]!;
    }
  });
}

/**
 * LLaVA's `pad_to_square` after `convert("RGB")`: a `long × long` canvas of `colour` with the
 * image at `(long - short) // 2` along the short side.
 */
function padToSquare(image: RawImage, colour: readonly [number, number, number]): RawImage {
  const rgb = toRgb(image);
  const { width, height } = rgb;
  if (width === height) return rgb;
  const side = Math.max(width, height);
  const data = new Uint8Array(side * side * 3);
  for (let p = 0; p < data.length; p += 3) data.set(colour, p);
  const top = width > height ? (side - height) >> 1 : 0;
  const left = width > height ? 0 : (side - width) >> 1;
  for (let y = 0; y < height; y++) {
    data.set(rgb.data.subarray(y * width * 3, (y + 1) * width * 3), ((top + y) * side + left) * 3);
  }
  return { width: side, height: side, channels: 3, data };
}

function dropAlpha(image: RawImage): RawImage {
  const { data, width, height, channels: c } = image;
  const keep = c === 2 ? 1 : 3;
  const out = new Uint8Array(width * height * keep);
  for (let p = 0, o = 0; p < data.length; p += c) for (let ch = 0; ch < keep; ch++) out[o++] = data[p + ch]!;
  return { width, height, channels: keep, data: out };
}

/**
 * Preprocesses one decoded image for a vision tower: RGB conversion, resize (Pillow-exact
 * resampling), centre crop, rescale, normalise. Returns CHW float32 of length `3 * H * W`.
 *
 * @throws ClipkitError `IMAGE_INVALID` for a malformed image.
 */
export function preprocessImage(image: RawImage, config: PreprocessConfig): Float32Array {
  validateRawImage(image);
  const side = Math.max(image.width, image.height);
  const [w0, h0] = config.padToSquare ? [side, side] : [image.width, image.height];
  const { height, width } = config.crop ?? resizeTarget(w0, h0, config.resize);
  const out = new Float32Array(3 * height * width);
  preprocessInto(image, config, normalisationTable(config), out, 0);
  return out;
}

/**
 * {@link preprocessImage} written straight into a batch tensor: `out` from element `at` (CHW), no
 * intermediate array. The config must fix the output size the caller sized `out` for.
 */
export function preprocessImageInto(
  image: RawImage,
  config: PreprocessConfig,
  out: Float32Array,
  at: number,
): void {
  validateRawImage(image);
  preprocessInto(image, config, normalisationTable(config), out, at);
}

/**
 * Preprocesses images into one NCHW batch. The config must fix the output size (a crop or a
 * squash resize), since rows of a batch share one shape.
 *
 * @throws ClipkitError `INVALID_ARGUMENT` for an empty batch or a config without a fixed size;
 * `IMAGE_INVALID` naming the index of a malformed image.
 */
export function preprocessBatch(images: readonly RawImage[], config: PreprocessConfig): PreprocessedBatch {
  if (images.length === 0) {
    throw new ClipkitError("INVALID_ARGUMENT", "preprocessBatch needs at least one image", {
      details: { argument: "images" },
    });
  }
  const { height, width } = outputSize(config);
  for (const [i, image] of images.entries()) validateRawImage(image, `images[${i}]`);
  const per = 3 * height * width;
  const data = new Float32Array(images.length * per);
  const lut = normalisationTable(config);
  for (const [i, image] of images.entries()) {
    preprocessInto(image, config, lut, data, i * per);
  }
  return { data, dims: [images.length, 3, height, width] };
}
