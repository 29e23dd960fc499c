import { fileURLToPath } from "node:url";
import {
  ClipkitError,
  gifTransparentColour,
  paintTransparent,
  type RawImage,
  validateRawImage,
} from "@clipkit/core";
import type { Metadata } from "sharp";
import { decodeBmp, isBmp } from "./bmp.js";

import { DEFAULT_MAX_FILE_BYTES, readImageFile } from "./read.js";
import { type Sniffed, sniffImage } from "./sniff.js";

// sharp is imported on first decode, not with the package: loading it and libvips costs ~0.1 s of
// CPU (measured in a fresh Node 20 process), which a process whose images are decoded only by
// worker threads (`loadClipModel`'s decode workers) then never pays on its JavaScript thread.
type Sharp = typeof import("sharp")["default"];
let sharpModule: Promise<Sharp> | undefined;
function loadSharp(): Promise<Sharp> {
  sharpModule ??= import("sharp").then((m) => m.default);
  return sharpModule;
}

/** Anything {@link decodeImage} accepts: a path, a `file:` URL, encoded bytes, or decoded pixels. */
export type ImageInput = string | URL | Buffer | Uint8Array | RawImage;

/** Options for {@link decodeImage}. */
export interface DecodeOptions {
  /**
   * Refuse images with more pixels than this (decompression bombs), checked from the header
   * before decoding and again by sharp while decoding. Default {@link DEFAULT_MAX_PIXELS}.
   */
  maxPixels?: number;
  /**
   * Refuse files larger than this many bytes (checked with `fstat` before reading). Default
   * {@link DEFAULT_MAX_FILE_BYTES} (256 MiB). Only regular files are ever read.
   */
  maxFileBytes?: number;
}

/**
 * Points where a caller may wait before memory is committed (a shared memory budget): after the
 * file's size is known and before it is read, and after the header told the pixel size and
 * before the pixels are decoded.
 */
export interface DecodeHooks {
  /** The file passed the type and size checks and `size` bytes are about to be read. */
  beforeRead?(size: number): Promise<void>;
  /** The header says `width × height`; `bytesPerSample` is 2 where 16 bits are decoded. */
  beforeDecode?(info: { width: number; height: number; bytesPerSample: 1 | 2 }): Promise<void>;
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

async function readBytes(
  input: string | URL | Uint8Array,
  maxFileBytes: number,
  hooks: DecodeHooks,
): Promise<{ bytes: Uint8Array; name: string }> {
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
  return { bytes: await readImageFile(path, maxFileBytes, hooks.beforeRead), name: path };
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

/** `"heic"` for an ISO-BMFF file whose major brand is an HEVC HEIF brand (iPhone photos), else undefined. */
function heifBrand(bytes: Uint8Array): "heic" | undefined {
  if (bytes.length < 12) return undefined;
  const box = String.fromCharCode(...bytes.subarray(4, 12));
  return /^ftyp(heic|heix|hevc|hevx|heim|heis|hevm|hevs)$/.test(box) ? "heic" : undefined;
}

function checkLimit(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) {
    throw new ClipkitError("INVALID_ARGUMENT", `${name} must be a positive integer, got ${value}`, {
      details: { argument: name },
    });
  }
  return v;
}

type Probed = Required<Pick<Sniffed, "grey" | "grey16" | "indexed" | "dropAlpha">> & {
  width: number;
  height: number;
  cmyk: boolean;
};

/**
 * Header facts decoding depends on, and the pixel-count check before any pixel is decoded.
 * PNG/JPEG/GIF are read from their first bytes; other formats ask libvips for metadata.
 * (sharp's `limitInputPixels` checks the header again during decoding, for every format.)
 */
async function probe(bytes: Uint8Array, name: string, maxPixels: number): Promise<Probed> {
  const sniffed = sniffImage(bytes);
  if (sniffed?.width !== undefined && sniffed.height !== undefined) {
    const { width, height } = sniffed;
    if (width * height > maxPixels) throw tooLarge(name, width, height, maxPixels);
    return { ...sniffed, width, height, cmyk: sniffed.cmyk === true };
  }
  let meta: Metadata;
  try {
    const sharp = await loadSharp();
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeFailed(name, error);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > maxPixels) throw tooLarge(name, width, height, maxPixels);
  const grey = meta.channels === 1;
  return {
    width,
    height,
    grey,
    grey16: grey && meta.depth === "ushort",
    indexed: meta.isPalette === true,
    dropAlpha: sniffed?.dropAlpha ?? false,
    cmyk: meta.space === "cmyk",
  };
}

/**
 * Pillow's `convert("RGB")` of a CMYK image (`cmyk2rgb` in `libImaging/Convert.c`):
 * `255 - k - (c · (255 - k)) / 255` with its rounded `MULDIV255`, no colour management.
 */
function cmykToRgb(data: Uint8Array): Uint8Array {
  const n = data.length / 4;
  const out = new Uint8Array(n * 3);
  for (let i = 0, p = 0, o = 0; i < n; i++, p += 4) {
    const nk = 255 - data[p + 3]!;
    for (let ch = 0; ch < 3; ch++) {
      const t = data[p + ch]! * nk + 128;
      out[o++] = nk - (((t >> 8) + t) >> 8);
    }
  }
  return out;
}

/**
 * Decodes an image into 8-bit pixels with Pillow's `Image.open` semantics, EXIF orientation
 * applied: JPEG, PNG, WebP, GIF's first frame, AVIF and TIFF through sharp, BMP with clipkit's own
 * reader. Pillow modes map to channels (L 1, LA 2, RGB 3, RGBA 4): transparency that Pillow keeps
 * out of the pixels (a PNG `tRNS` key on grey/RGB/palette images, a GIF's transparent palette
 * entry) is dropped, so `convert("RGB")` semantics hold (the key colour / palette colour stays);
 * CMYK JPEGs are converted with Pillow's formula, not a colour profile. Embedded ICC profiles are
 * ignored, as Pillow ignores them. A {@link RawImage} is validated and returned.
 *
 * Paths are read only when they resolve to a regular file of at most `maxFileBytes`, so
 * `/dev/zero`, FIFOs, sockets and directories are refused before any byte is read.
 *
 * @throws ClipkitError `NOT_FOUND` / `IO_FAILED` for missing, unreadable or non-regular files
 * (`details.fileType`), `IMAGE_DECODE_FAILED` for empty, corrupt or truncated data,
 * `IMAGE_TOO_LARGE` past `maxPixels` or `maxFileBytes`, `IMAGE_INVALID` for a malformed RawImage,
 * `INVALID_ARGUMENT` for bad options — each naming the file.
 */
export async function decodeImage(
  input: ImageInput,
  options: DecodeOptions = {},
  hooks: DecodeHooks = {},
): Promise<RawImage> {
  if (isRawImage(input)) {
    validateRawImage(input);
    return input;
  }
  const maxPixels = checkLimit("maxPixels", options.maxPixels, DEFAULT_MAX_PIXELS);
  const maxFileBytes = checkLimit("maxFileBytes", options.maxFileBytes, DEFAULT_MAX_FILE_BYTES);
  const { bytes, name } = await readBytes(input, maxFileBytes, hooks);
  if (bytes.length === 0) throw decodeFailed(name, new Error("empty input (0 bytes)"));
  if (isBmp(bytes)) return decodeBmp(bytes, name, maxPixels, hooks.beforeDecode);

  const sniffed = { format: sniffImage(bytes)?.format ?? heifBrand(bytes) };
  if (sniffed.format === "heic") {
    throw decodeFailed(
      name,
      new Error(
        "HEIC (HEVC-coded HEIF) is not supported: sharp's prebuilt libvips has no HEVC decoder; convert to JPEG or AVIF",
      ),
    );
  }
  const probed = await probe(bytes, name, maxPixels);
  const { grey, grey16, indexed, dropAlpha, cmyk } = probed;
  await hooks.beforeDecode?.({ width: probed.width, height: probed.height, bytesPerSample: grey16 ? 2 : 1 });
  try {
    const sharp = await loadSharp();
    let pipeline = sharp(bytes, {
      limitInputPixels: maxPixels,
      failOn: "truncated",
      ignoreIcc: true,
      autoOrient: true,
      page: 0,
    });
    // Grey stays one channel (libvips would expand it to sRGB): a third of the resize work.
    if (grey) pipeline = pipeline.toColourspace(grey16 ? "grey16" : "b-w");
    // Raw CMYK samples (libvips would convert them through a profile); Pillow's formula below.
    if (cmyk) pipeline = pipeline.pipelineColourspace("cmyk").toColourspace("cmyk");
    // A GIF's transparent pixels come back (0, 0, 0, 0); Pillow gives them their palette colour.
    const gifKey = sniffed.format === "gif" ? gifTransparentColour(bytes) : null;
    if (dropAlpha && !cmyk && !gifKey) pipeline = pipeline.removeAlpha();
    else if (gifKey) pipeline = pipeline.ensureAlpha();
    const { data, info } = await pipeline
      .raw(grey16 ? { depth: "ushort" } : undefined)
      .toBuffer({ resolveWithObject: true });
    const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const pixels = grey16
      ? clampGrey16(data)
      : cmyk
        ? cmykToRgb(view)
        : gifKey
          ? paintTransparent(view, gifKey)
          : view;
    const channels = (cmyk || gifKey ? 3 : info.channels) as RawImage["channels"];
    const image: RawImage = { data: pixels, width: info.width, height: info.height, channels };
    return indexed ? { ...image, indexed: true } : image;
  } catch (error) {
    throw decodeFailed(name, error);
  }
}
