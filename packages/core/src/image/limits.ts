import { ClipkitError } from "../errors.js";
import { resizeTarget } from "./preprocess.js";
import type { PreprocessConfig, ResampleFilter } from "./types.js";

// Work limits for preprocessing. The pixel-count check at decode time bounds the *decoded* image,
// but not the resize: shortest-edge resizing a 1,000,000×1 strip to 224 px asks for a
// 224,000,000×224 intermediate image. clipkit computes only the cropped window of it, yet Pillow's
// algorithm needs resampling coefficients for every output column (~6.3 GB there), and Pillow
// itself would materialise the whole 150 GB image. These checks refuse such inputs up front, from
// the image's size alone, before any pixel is decoded or resized.

/** Pillow's kernel supports (`Resample.c`), in source pixels at scale 1. */
const SUPPORT: Record<ResampleFilter, number> = {
  nearest: 0,
  box: 0.5,
  bilinear: 1,
  hamming: 1,
  bicubic: 2,
  lanczos: 3,
};

/**
 * 256 MiB of resampling tables. Real photos need well under 1 MiB (a 4000×3000 photo to 224 px:
 * ~70 KB); the limit is only reached by images whose resized form Pillow would need gigabytes for.
 */
export const DEFAULT_MAX_RESIZE_BYTES = 256 * 1024 * 1024;

/**
 * Bytes the resampling tables cost for one axis, as `computeCoefficients` allocates them
 * (`outSize × (ksize + 2)` int32: weights plus bounds) — or the nearest-neighbour index table.
 */
function axisBytes(inSize: number, outSize: number, filter: ResampleFilter): number {
  if (inSize === outSize) return 0;
  if (filter === "nearest") return 4 * outSize;
  const support = SUPPORT[filter] * Math.max(inSize / outSize, 1);
  const ksize = Math.ceil(support) * 2 + 1;
  return 4 * outSize * (ksize + 2);
}

/**
 * Memory (bytes) that resizing a `width × height` image per `config` allocates besides the
 * image and the output: Pillow's per-axis coefficient tables over the *whole* resized size (the
 * crop window does not shrink them). Computed from the sizes alone.
 */
export function resizeWorkBytes(width: number, height: number, config: PreprocessConfig): number {
  const target = resizeTarget(width, height, config.resize);
  if (target.width === width && target.height === height) return 0;
  // The filter is the config's, or nearest for palette images in the torchvision order: the
  // config's filter is the larger (or equal) cost, so it bounds both.
  return axisBytes(width, target.width, config.resample) + axisBytes(height, target.height, config.resample);
}

/**
 * Refuses an image whose resize would cost more than `maxResizeBytes` of working memory
 * ({@link resizeWorkBytes}). Every image Pillow could resize within that memory passes, and is then
 * processed Pillow-exactly; what fails would need gigabytes in Pillow too.
 *
 * @throws ClipkitError `IMAGE_TOO_LARGE` with `details.width`, `height`, `resizedWidth`,
 * `resizedHeight`, `workBytes`, `maxResizeBytes` (and `file` when given).
 */
export function checkResizeWork(
  width: number,
  height: number,
  config: PreprocessConfig,
  maxResizeBytes: number = DEFAULT_MAX_RESIZE_BYTES,
  file?: string,
): void {
  const work = resizeWorkBytes(width, height, config);
  if (work <= maxResizeBytes) return;
  const target = resizeTarget(width, height, config.resize);
  const name = file ?? "image";
  throw new ClipkitError(
    "IMAGE_TOO_LARGE",
    `${name}: resizing ${width}×${height} to ${target.width}×${target.height} needs ${work} bytes of ` +
      `resampling tables, over maxResizeBytes ${maxResizeBytes} (extreme aspect ratio?)`,
    {
      details: {
        ...(file ? { file } : {}),
        width,
        height,
        resizedWidth: target.width,
        resizedHeight: target.height,
        workBytes: work,
        maxResizeBytes,
      },
    },
  );
}

/**
 * Bytes decoding and preprocessing one `width × height` image holds at its peak, for memory
 * budgets: the decoded pixels (at most 4 channels, 2 bytes for 16-bit) plus one image-sized working
 * copy (premultiplied alpha, the alpha-free copy or the horizontal pass), plus the resize tables.
 */
export function imageWorkBytes(
  width: number,
  height: number,
  config: PreprocessConfig,
  bytesPerSample: 1 | 2 = 1,
): number {
  return width * height * 4 * (bytesPerSample + 1) + resizeWorkBytes(width, height, config);
}
