import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { ClipkitError, type RawImage, validateRawImage } from "@clipkit/core";
import sharp, { type Metadata } from "sharp";
import { sniffImage } from "./sniff.js";

/** Anything {@link decodeImage} accepts: a path, a `file:` URL, encoded bytes, or decoded pixels. */
export type ImageInput = string | URL | Buffer | Uint8Array | RawImage;

/** Options for {@link decodeImage}. */
export interface DecodeOptions {
  /**
   * Refuse images with more pixels than this (decompression bombs), checked from the header
   * before decoding and again by sharp while decoding. Default {@link DEFAULT_MAX_PIXELS}.
   */
  maxPixels?: number;
}

/**
 * 178,956,970 pixels: Pillow's `DecompressionBombError` threshold (twice `MAX_IMAGE_PIXELS`), so an
 * image Pillow opens, clipkit opens too, and nothing much larger.
 */
export const DEFAULT_MAX_PIXELS = 178_956_970;

function isRawImage(input: ImageInput): input is RawImage {
  return (
    typeof input === "object" && !(input instanceof Uint8Array) && !(input instanceof URL) && "data" in input
  );
}

async function readBytes(input: string | URL | Uint8Array): Promise<{ bytes: Uint8Array; name: string }> {
  if (input instanceof Uint8Array) return { bytes: input, name: "<bytes>" };
  let path: string;
  if (input instanceof URL) {
    if (input.protocol !== "file:") {
      throw new ClipkitError("INVALID_ARGUMENT", `only file: URLs can be decoded, got ${input.href}`, {
        details: { argument: "input", url: input.href },
      });
    }
    path = fileURLToPath(input);
  } else if (typeof input === "string") {
    path = input;
  } else {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `expected a path, file: URL, bytes or RawImage, got ${Object.prototype.toString.call(input)}`,
      { details: { argument: "input" } },
    );
  }
  try {
    return { bytes: await readFile(path), name: path };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === "ENOENT" || code === "ENOTDIR";
    throw new ClipkitError(
      missing ? "NOT_FOUND" : "IO_FAILED",
      `${path}: ${missing ? "no such file" : "cannot read"}`,
      {
        cause: error,
        details: { file: path },
      },
    );
  }
}

function decodeFailed(name: string, error: unknown): ClipkitError {
  const reason = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(reason)) {
    return new ClipkitError("IMAGE_TOO_LARGE", `${name}: ${reason}`, {
      cause: error,
      details: { file: name },
    });
  }
  return new ClipkitError("IMAGE_DECODE_FAILED", `${name}: cannot decode image: ${reason}`, {
    cause: error,
    details: { file: name },
  });
}

/**
 * Pillow opens 16-bit grey PNG/TIFF as mode `I`, and `convert("RGB")` clamps those values to
 * 0–255 (it does not scale them). libvips would keep the high byte instead, so this one layout is
 * read at 16 bits and clamped here; for every other 16-bit layout both keep the high byte.
 */
function clampGrey16(data: Buffer): Uint8Array {
  const samples = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.min(255, samples[i]!);
  return out;
}

function tooLarge(name: string, width: number, height: number, maxPixels: number): ClipkitError {
  return new ClipkitError("IMAGE_TOO_LARGE", `${name}: ${width}×${height} exceeds maxPixels ${maxPixels}`, {
    details: { file: name, width, height, maxPixels },
  });
}

/**
 * Header facts decoding depends on, and the pixel-count check before any pixel is decoded.
 * PNG/JPEG/GIF/WebP are read from their first bytes; other formats ask libvips for metadata.
 * (sharp's `limitInputPixels` checks the header again during decoding, for every format.)
 */
async function probe(
  bytes: Uint8Array,
  name: string,
  maxPixels: number,
): Promise<{ grey: boolean; grey16: boolean; indexed: boolean }> {
  const sniffed = sniffImage(bytes);
  if (sniffed) {
    const { width = 0, height = 0 } = sniffed;
    if (width * height > maxPixels) throw tooLarge(name, width, height, maxPixels);
    return sniffed;
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeFailed(name, error);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > maxPixels) throw tooLarge(name, width, height, maxPixels);
  const grey = meta.channels === 1;
  return { grey, grey16: grey && meta.depth === "ushort", indexed: meta.isPalette === true };
}

/**
 * Decodes an image with sharp (JPEG, PNG, WebP, GIF's first frame, AVIF, TIFF) into 8-bit pixels,
 * EXIF orientation applied. Embedded ICC profiles are ignored, as Pillow ignores them, so pixels
 * match what Pillow-based reference pipelines see. A {@link RawImage} is validated and returned.
 *
 * @throws ClipkitError `NOT_FOUND` / `IO_FAILED` for unreadable paths, `IMAGE_DECODE_FAILED` for
 * empty, corrupt or truncated data, `IMAGE_TOO_LARGE` past `maxPixels`, `IMAGE_INVALID` for a
 * malformed RawImage — each naming the file.
 */
export async function decodeImage(input: ImageInput, options: DecodeOptions = {}): Promise<RawImage> {
  if (isRawImage(input)) {
    validateRawImage(input);
    return input;
  }
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isInteger(maxPixels) || maxPixels < 1) {
    throw new ClipkitError("INVALID_ARGUMENT", `maxPixels must be a positive integer, got ${maxPixels}`, {
      details: { argument: "maxPixels" },
    });
  }
  const { bytes, name } = await readBytes(input);
  if (bytes.length === 0) throw decodeFailed(name, new Error("empty input (0 bytes)"));

  const { grey, grey16, indexed } = await probe(bytes, name, maxPixels);
  try {
    let pipeline = sharp(bytes, {
      limitInputPixels: maxPixels,
      failOn: "truncated",
      ignoreIcc: true,
      autoOrient: true,
      page: 0,
    });
    // Grey stays one channel (libvips would expand it to sRGB): a third of the resize work.
    if (grey) pipeline = pipeline.toColourspace(grey16 ? "grey16" : "b-w");
    const { data, info } = await pipeline
      .raw(grey16 ? { depth: "ushort" } : undefined)
      .toBuffer({ resolveWithObject: true });
    const channels = info.channels as RawImage["channels"];
    const pixels = grey16 ? clampGrey16(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const image: RawImage = { data: pixels, width: info.width, height: info.height, channels };
    return indexed ? { ...image, indexed: true } : image;
  } catch (error) {
    throw decodeFailed(name, error);
  }
}
