/**
 * Decoded pixels, interleaved row-major (`data[(y * width + x) * channels + c]`), 8 bits per sample.
 *
 * Channel counts follow Pillow's modes: 1 = `L`, 2 = `LA`, 3 = `RGB`, 4 = `RGBA`.
 */
export interface RawImage {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  /**
   * True when the pixels were expanded from a palette (Pillow mode `P`: GIF, indexed PNG). Pillow
   * resizes `P` images with nearest neighbour whatever filter was asked for, so a pipeline that
   * converts to RGB after resizing (openai/CLIP, open_clip) resizes these with `"nearest"`.
   */
  readonly indexed?: boolean;
}

/** Pillow's resampling filters (`Image.Resampling`); HF configs store them as integers 0–5. */
export type ResampleFilter = "nearest" | "lanczos" | "bilinear" | "bicubic" | "box" | "hamming";

/** How the image is resized before cropping. */
export type ResizeSpec =
  /** Short side to `size`, long side `trunc(size * long / short)` (torchvision and HF agree on this). */
  | { readonly mode: "shortest_edge"; readonly size: number }
  /** Both sides to fixed sizes, ignoring aspect ratio (SigLIP, HF `{height, width}`). */
  | { readonly mode: "squash"; readonly height: number; readonly width: number }
  /**
   * open_clip's `ResizeKeepRatio`: scale by the short-side ratio (or the long-side one when
   * `longest`), each side `round(side / ratio)` with Python's half-to-even rounding.
   */
  | {
      readonly mode: "keep_ratio";
      readonly height: number;
      readonly width: number;
      readonly longest: boolean;
    }
  /**
   * Qwen2-VL's `smart_resize`: both sides rounded (half to even) to multiples of `factor`, then
   * scaled into `[minPixels, maxPixels]` keeping the aspect ratio as closely as possible.
   */
  | {
      readonly mode: "smart_resize";
      readonly factor: number;
      readonly minPixels: number;
      readonly maxPixels: number;
    }
  /** No resize (HF `do_resize: false`). */
  | { readonly mode: "none" };

/**
 * Where the Pillow `convert("RGB")` happens relative to resizing. The pipelines disagree:
 * Hugging Face image processors convert first; openai/CLIP and open_clip (torchvision
 * `Resize → CenterCrop → convert`) resize in the source mode, which for RGBA/LA means Pillow's
 * premultiplied-alpha resize and for palette images a nearest-neighbour resize.
 */
export type RgbConversionOrder = "before-resize" | "after-crop";

/**
 * How the centre-crop offset `(size - target) / 2` is rounded when it is not whole:
 * `"half-even"` is torchvision's `int(round(x))` (Python rounds half to even), `"floor"` is
 * Hugging Face's `(size - target) // 2`.
 */
export type CropRounding = "half-even" | "floor";

/** Everything preprocessing needs, parsed from a `preprocessor_config.json` or written by hand. */
export interface PreprocessConfig {
  readonly resize: ResizeSpec;
  readonly resample: ResampleFilter;
  /** Centre crop to this size after resizing (zero-padded where the image is smaller), or none. */
  readonly crop: { readonly height: number; readonly width: number } | null;
  readonly cropRounding: CropRounding;
  /** Pixel value (0–255, every channel) for padding where the crop is larger than the image; default 0. */
  readonly fill?: number;
  readonly rgbConversion: RgbConversionOrder;
  /**
   * LLaVA's `do_pad`: before resizing, pad the (RGB) image to a square with this colour, the image
   * centred with `(long - short) // 2` before it. Absent: no padding.
   */
  readonly padToSquare?: readonly [number, number, number];
  /** Multiplier from 0–255 to the model's range (1/255); 1 when rescaling is off. */
  readonly rescaleFactor: number;
  /** Apply `(x - mean) / std` per channel. */
  readonly doNormalize: boolean;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** A batch of preprocessed images as one NCHW float32 tensor. */
export interface PreprocessedBatch {
  readonly data: Float32Array;
  readonly dims: readonly [n: number, c: 3, h: number, w: number];
}
