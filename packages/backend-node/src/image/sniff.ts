/**
 * What decoding needs to know up front, read from the first bytes of the file: the pixel count
 * (for the decompression-bomb check) and whether the image is grey, 16-bit grey or palette-based.
 * Reading it here saves a libvips metadata pass for the common formats.
 */
export interface Sniffed {
  readonly format: "png" | "jpeg" | "gif" | "webp";
  /** Header dimensions when the format states them at a fixed place (PNG, GIF). */
  readonly width?: number;
  readonly height?: number;
  /** One grey channel without alpha (decode as 1 channel). */
  readonly grey: boolean;
  /** 16-bit grey without alpha (Pillow mode `I`). */
  readonly grey16: boolean;
  /** Palette image (Pillow mode `P`). */
  readonly indexed: boolean;
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

const ascii = (s: string) => Array.from(s, (ch) => ch.charCodeAt(0));

/**
 * Recognises PNG, JPEG, GIF and WebP; returns null for anything else (TIFF, AVIF, HEIF, corrupt),
 * which then goes through sharp's metadata. JPEG and WebP are always 8-bit and never palette-based
 * in Pillow; a grey JPEG decodes to replicated RGB, which preprocesses identically.
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
      indexed: colourType === 3,
    };
  }
  if (startsWith(bytes, [0xff, 0xd8, 0xff]))
    return { format: "jpeg", grey: false, grey16: false, indexed: false };
  if ((startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) && bytes.length >= 10) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const width = view.getUint16(6, true);
    const height = view.getUint16(8, true);
    return { format: "gif", width, height, grey: false, grey16: false, indexed: true };
  }
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) {
    return { format: "webp", grey: false, grey16: false, indexed: false };
  }
  return null;
}
