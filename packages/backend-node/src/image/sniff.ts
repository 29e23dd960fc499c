/**
 * What decoding needs to know up front, read from the first bytes of the file: the pixel count
 * (for the decompression-bomb check) and whether the image is grey, 16-bit grey or palette-based.
 * Reading it here saves a libvips metadata pass for the common formats.
 */
export interface Sniffed {
  readonly format: "png" | "jpeg" | "gif" | "webp";
  /** Header dimensions where the format states them up front (PNG, GIF, JPEG's frame header). */
  readonly width?: number;
  readonly height?: number;
  /** One grey channel without alpha (decode as 1 channel). */
  readonly grey: boolean;
  /** 16-bit grey without alpha (Pillow mode `I`). */
  readonly grey16: boolean;
  /**
   * Pillow resizes with nearest neighbour whatever filter is asked for: palette images (mode
   * `P`) and 1-bit grey PNGs (mode `1`).
   */
  readonly indexed: boolean;
  /**
   * Pillow's mode has no alpha band even where libvips adds one: PNG grey/RGB/palette with a
   * `tRNS` chunk (Pillow keeps the key in `info["transparency"]`, which `convert("RGB")` ignores),
   * GIF (mode `P`), JPEG. False where the file may carry a real alpha channel.
   */
  readonly dropAlpha: boolean;
  /** A 4-component (CMYK) JPEG. */
  readonly cmyk?: boolean;
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

const ascii = (s: string) => Array.from(s, (ch) => ch.charCodeAt(0));

/** JPEG: walk the marker segments to the frame header (SOFn) for the size and component count. */
function sniffJpeg(bytes: Uint8Array): Sniffed {
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) break;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) {
      i += 2; // standalone markers carry no length
      continue;
    }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame && i + 10 <= bytes.length) {
      const height = (bytes[i + 5]! << 8) | bytes[i + 6]!;
      const width = (bytes[i + 7]! << 8) | bytes[i + 8]!;
      const components = bytes[i + 9];
      const grey = components === 1;
      const cmyk = components === 4;
      return { format: "jpeg", width, height, grey, grey16: false, indexed: false, dropAlpha: true, cmyk };
    }
    i += 2 + ((bytes[i + 2]! << 8) | bytes[i + 3]!);
  }
  // No frame header in reach (truncated or odd file): libvips decides, still under limitInputPixels.
  return { format: "jpeg", grey: false, grey16: false, indexed: false, dropAlpha: true };
}

/**
 * Recognises PNG, JPEG, GIF and WebP; returns null for anything else (TIFF, AVIF, HEIF, corrupt),
 * which then goes through sharp's metadata. JPEG and WebP are always 8-bit and never palette-based
 * in Pillow.
 */
export function sniffImage(bytes: Uint8Array): Sniffed | null {
  if (startsWith(bytes, PNG) && startsWith(bytes, ascii("IHDR"), 12) && bytes.length >= 29) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const depth = bytes[24]!;
    const colourType = bytes[25]!;
    return {
      format: "png",
      width: view.getUint32(16),
      height: view.getUint32(20),
      grey: colourType === 0,
      grey16: colourType === 0 && depth === 16,
      indexed: colourType === 3 || (colourType === 0 && depth === 1),
      // Colour types 4 (grey + alpha) and 6 (RGBA) have an alpha channel; 0, 2, 3 at most tRNS.
      dropAlpha: colourType !== 4 && colourType !== 6,
    };
  }
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return sniffJpeg(bytes);
  if ((startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) && bytes.length >= 10) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const width = view.getUint16(6, true);
    const height = view.getUint16(8, true);
    return { format: "gif", width, height, grey: false, grey16: false, indexed: true, dropAlpha: true };
  }
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) {
    return { format: "webp", grey: false, grey16: false, indexed: false, dropAlpha: false };
  }
  return null;
}
