import { ClipkitError, type RawImage, validateRawImage } from "@clipkit/core";
import { applyHeaderFacts, type HeaderFacts, headerFacts } from "./modes.js";
import { decodeStraightAlpha, sniffStraightAlphaType } from "./webcodecs.js";

/**
 * Images the browser backend accepts. Each is decoded to RGBA pixels; a {@link RawImage} (already
 * decoded pixels, e.g. from a worker) passes through unchanged.
 */
export type WebImageInput =
  | RawImage
  | HTMLImageElement
  | ImageBitmap
  | ImageData
  | Blob
  | HTMLCanvasElement
  | OffscreenCanvas;

/** Same name as the Node backend's input type, so code can switch backends by import alone. */
export type ImageInput = WebImageInput;

/** Options of {@link decodeImage}. */
export interface DecodeOptions {
  /** Refuse images with more pixels than this (`IMAGE_TOO_LARGE`); default {@link DEFAULT_MAX_PIXELS}. */
  maxPixels?: number;
  /** Names the input in errors, e.g. `"images[3]"`. */
  label?: string;
  /** Refuse `Blob`s larger than this many bytes before reading them; default {@link DEFAULT_MAX_FILE_BYTES}. */
  maxFileBytes?: number;
}

/** 256 MiB, as the Node backend's file-size limit. */
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;

/** Pillow's decompression-bomb threshold, the same limit as the Node backend. */
export const DEFAULT_MAX_PIXELS = 178_956_970;

// Pillow ignores embedded colour profiles and never premultiplies, so the browser must not either:
// otherwise a JPEG with an ICC profile or a PNG with gAMA decodes to different bytes than in Node.
const BITMAP_OPTIONS: ImageBitmapOptions = { colorSpaceConversion: "none", premultiplyAlpha: "none" };

function isRawImage(input: unknown): input is RawImage {
  return typeof input === "object" && input !== null && "channels" in input && "data" in input;
}

function isImageData(input: unknown): input is ImageData {
  return typeof ImageData !== "undefined" && input instanceof ImageData;
}

function isImageBitmap(input: unknown): input is ImageBitmap {
  return typeof ImageBitmap !== "undefined" && input instanceof ImageBitmap;
}

function isBlob(input: unknown): input is Blob {
  return typeof Blob !== "undefined" && input instanceof Blob;
}

function isDrawable(input: unknown): input is HTMLImageElement | HTMLCanvasElement | OffscreenCanvas {
  return (
    (typeof HTMLImageElement !== "undefined" && input instanceof HTMLImageElement) ||
    (typeof HTMLCanvasElement !== "undefined" && input instanceof HTMLCanvasElement) ||
    (typeof OffscreenCanvas !== "undefined" && input instanceof OffscreenCanvas)
  );
}

function checkSize(width: number, height: number, maxPixels: number, label: string): void {
  if (width === 0 || height === 0) {
    throw new ClipkitError("IMAGE_INVALID", `${label} is empty (${width}×${height})`, {
      details: { input: label },
    });
  }
  if (width * height > maxPixels) {
    throw new ClipkitError(
      "IMAGE_TOO_LARGE",
      `${label} is ${width}×${height}, over the ${maxPixels}-pixel limit`,
      {
        details: { input: label, width, height, maxPixels },
      },
    );
  }
}

/** PNG/GIF/BMP/WebP files through ImageDecoder (straight alpha), where the browser has it. */
async function decodeBlobExactly(bytes: Uint8Array, label: string): Promise<RawImage | undefined> {
  const type = sniffStraightAlphaType(bytes);
  if (!type) return undefined;
  try {
    return await decodeStraightAlpha(bytes, type);
  } catch (error) {
    throw new ClipkitError("IMAGE_DECODE_FAILED", `${label} (${type}) could not be decoded by the browser`, {
      cause: error,
      details: { input: label },
    });
  }
}

/** Reads a bitmap's RGBA bytes through an OffscreenCanvas. */
function readBitmap(bitmap: ImageBitmap, label: string): RawImage {
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  if (!ctx) throw new ClipkitError("IMAGE_DECODE_FAILED", `${label}: no 2D canvas context available`);
  ctx.drawImage(bitmap, 0, 0);
  const pixels = ctx.getImageData(0, 0, width, height, { colorSpace: "srgb" });
  return { width, height, channels: 4, data: pixels.data };
}

/**
 * Decodes a browser image to {@link RawImage} bytes, the input of core's (Pillow-exact)
 * preprocessing. Encoded files follow Pillow's modes as the Node decoder does: PNG grey/RGB/palette
 * (tRNS keys included), GIF and JPEG come back as RGB without alpha (a GIF's transparent entry
 * and a PNG colour key keep their colour), palette images are flagged `indexed`, and the header
 * size (PNG, GIF) is checked against `maxPixels` before decoding, the `Blob` size against
 * `maxFileBytes` before reading. Encoded files (`Blob`/`File`) are decoded by the browser without colour
 * management, as Pillow does. PNG, GIF, BMP and WebP blobs go through WebCodecs' ImageDecoder
 * with straight alpha and match Pillow byte for byte, transparent pixels included. Everything
 * else (JPEG, `<img>`, canvases, bitmaps, and all inputs where ImageDecoder is missing) is read
 * through a 2D canvas, which stores premultiplied alpha: opaque pixels are exact, translucent
 * ones can differ by rounding and fully transparent ones read as black.
 */
export async function decodeImage(input: WebImageInput, options: DecodeOptions = {}): Promise<RawImage> {
  const label = options.label ?? "image";
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (isRawImage(input)) {
    validateRawImage(input, label);
    checkSize(input.width, input.height, maxPixels, label);
    return input;
  }
  if (isImageData(input)) {
    checkSize(input.width, input.height, maxPixels, label);
    return { width: input.width, height: input.height, channels: 4, data: input.data };
  }
  if (isImageBitmap(input)) {
    checkSize(input.width, input.height, maxPixels, label);
    return readBitmap(input, label);
  }
  if (!isBlob(input) && !isDrawable(input)) {
    throw new ClipkitError(
      "IMAGE_INVALID",
      `${label} is not an HTMLImageElement, ImageBitmap, ImageData, Blob, HTMLCanvasElement or OffscreenCanvas`,
      { details: { input: label, type: Object.prototype.toString.call(input) } },
    );
  }
  if (typeof HTMLImageElement !== "undefined" && input instanceof HTMLImageElement && !input.complete) {
    await input.decode().catch(() => undefined);
  }
  let facts: HeaderFacts | undefined;
  if (isBlob(input)) {
    const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (input.size > maxFileBytes) {
      throw new ClipkitError(
        "IMAGE_TOO_LARGE",
        `${label} is ${input.size} bytes, over maxFileBytes ${maxFileBytes}`,
        {
          details: { input: label, bytes: input.size, maxFileBytes },
        },
      );
    }
    const bytes = new Uint8Array(await input.arrayBuffer());
    facts = headerFacts(bytes);
    // Decompression bombs: the header size is checked before the browser decodes anything.
    if (facts.width !== undefined && facts.height !== undefined) {
      checkSize(facts.width, facts.height, maxPixels, label);
    }
    const exact = await decodeBlobExactly(bytes, label);
    if (exact) {
      checkSize(exact.width, exact.height, maxPixels, label);
      return applyHeaderFacts(exact, facts);
    }
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(input, BITMAP_OPTIONS);
  } catch (error) {
    const type = isBlob(input) && input.type ? ` (${input.type})` : "";
    throw new ClipkitError("IMAGE_DECODE_FAILED", `${label}${type} could not be decoded by the browser`, {
      cause: error,
      details: { input: label },
    });
  }
  try {
    checkSize(bitmap.width, bitmap.height, maxPixels, label);
    const image = readBitmap(bitmap, label);
    return facts ? applyHeaderFacts(image, facts) : image;
  } finally {
    bitmap.close();
  }
}
