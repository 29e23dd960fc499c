import { ClipkitError, type RawImage } from "@clipkit/core";

// A BMP reader following Pillow's `BmpImagePlugin` (sharp/libvips cannot read BMP): the same
// headers, bit depths, bitfield layouts and mode choices, so pixels equal `Image.open(p)`'s.
// Uncompressed only; RLE4/RLE8 and other compressions are refused with a clear error.

const COMPRESSION = { RAW: 0, RLE8: 1, RLE4: 2, BITFIELDS: 3 } as const;

/** Pillow's supported 32-bit bitfield masks (r, g, b, a) → byte order of the raw mode. */
const MASKS_32: Record<string, string> = {
  "ff0000,ff00,ff,0": "BGRX",
  "ff000000,ff0000,ff00,0": "XBGR",
  "ff000000,ff00,ff,0": "BGXR",
  "ff000000,ff0000,ff00,ff": "ABGR",
  "ff,ff00,ff0000,ff000000": "RGBA",
  "ff0000,ff00,ff,ff000000": "BGRA",
  "ff000000,ff00,ff,ff0000": "BGAR",
  "0,0,0,0": "BGRA",
};

/** True when `bytes` start with the BMP signature `BM`. */
export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

function fail(name: string, reason: string): ClipkitError {
  return new ClipkitError("IMAGE_DECODE_FAILED", `${name}: cannot decode BMP: ${reason}`, {
    details: { file: name, format: "bmp" },
  });
}

/** Byte offset of each channel R, G, B (and A, or -1) inside a 4-byte pixel of a raw mode. */
function layout(mode: string): { r: number; g: number; b: number; a: number } {
  return { r: mode.indexOf("R"), g: mode.indexOf("G"), b: mode.indexOf("B"), a: mode.indexOf("A") };
}

interface Header {
  width: number;
  height: number;
  topDown: boolean;
  bits: number;
  compression: number;
  colors: number;
  paletteEntry: 3 | 4;
  masks?: number[];
  /** Where the palette starts (right after the header and any separate bitfield masks). */
  paletteAt: number;
}

function readHeader(v: DataView, name: string): Header {
  if (v.byteLength < 18) throw fail(name, "truncated header");
  const size = v.getUint32(14, true);
  const h = 18; // header fields start after the size field
  if (size === 12) {
    if (v.byteLength < 26) throw fail(name, "truncated header");
    const bits = v.getUint16(h + 6, true);
    return {
      width: v.getUint16(h, true),
      height: v.getUint16(h + 2, true),
      topDown: false,
      bits,
      compression: COMPRESSION.RAW,
      colors: 1 << bits,
      paletteEntry: 3,
      paletteAt: 14 + size,
    };
  }
  if (![40, 52, 56, 64, 108, 124].includes(size)) throw fail(name, `unsupported header size ${size}`);
  if (v.byteLength < 14 + size) throw fail(name, "truncated header");
  const rawHeight = v.getInt32(h + 4, true);
  const bits = v.getUint16(h + 10, true);
  const compression = v.getUint32(h + 12, true);
  let colors = v.getUint32(h + 28, true);
  if (colors === 0) colors = 2 ** bits;
  let paletteAt = 14 + size;
  let masks: number[] | undefined;
  if (compression === COMPRESSION.BITFIELDS) {
    // 40-byte headers keep the three masks after the header; later versions inside it (v3+: alpha too).
    const at = size >= 52 ? h + 36 : paletteAt;
    const count = size >= 56 ? 4 : 3;
    if (v.byteLength < at + 4 * count) throw fail(name, "truncated bitfield masks");
    masks = Array.from({ length: count }, (_, i) => v.getUint32(at + 4 * i, true));
    if (count === 3) masks.push(0);
    if (size < 52) paletteAt += 12;
  }
  return {
    width: v.getInt32(h, true),
    height: Math.abs(rawHeight),
    topDown: rawHeight < 0,
    bits,
    compression,
    colors,
    paletteEntry: 4,
    ...(masks ? { masks } : {}),
    paletteAt,
  };
}

/** The raw mode Pillow picks for a true-colour BMP, or throws as Pillow does. */
function trueColourMode(hd: Header, name: string): string {
  if (hd.compression === COMPRESSION.RAW) return hd.bits === 16 ? "BGR;15" : hd.bits === 24 ? "BGR" : "BGRX";
  if (hd.compression !== COMPRESSION.BITFIELDS) {
    if (hd.compression === COMPRESSION.RLE4 || hd.compression === COMPRESSION.RLE8) {
      throw fail(name, "RLE-compressed BMPs are not supported; convert the file to PNG");
    }
    throw fail(name, `unsupported compression ${hd.compression}`);
  }
  const [r, g, b, a] = (hd.masks ?? []).map((m) => m.toString(16));
  if (hd.bits === 32) {
    const mode = MASKS_32[`${r},${g},${b},${a}`];
    if (mode) return mode;
  } else if (hd.bits === 24 && `${r},${g},${b}` === "ff0000,ff00,ff") return "BGR";
  else if (hd.bits === 16 && `${r},${g},${b}` === "f800,7e0,1f") return "BGR;16";
  else if (hd.bits === 16 && `${r},${g},${b}` === "7c00,3e0,1f") return "BGR;15";
  throw fail(name, "unsupported bitfields layout");
}

/**
 * Decodes an uncompressed BMP as Pillow opens it: 1/4/8-bit palette images become `L` (1 channel)
 * or `1` when the palette is the identity grey ramp, else palette colours flagged `indexed`
 * (Pillow mode `P`); 16-bit 5-5-5 / 5-6-5 samples are scaled by `v · 255 / max` (truncating);
 * 32-bit BI_RGB ignores the fourth byte (mode `RGB`), bitfields with an alpha mask give `RGBA`.
 *
 * @throws ClipkitError `IMAGE_DECODE_FAILED` (unsupported variant, truncated data),
 * `IMAGE_TOO_LARGE` past `maxPixels`.
 */
export async function decodeBmp(
  bytes: Uint8Array,
  name: string,
  maxPixels: number,
  beforeDecode?: (info: { width: number; height: number; bytesPerSample: 1 }) => Promise<void>,
): Promise<RawImage> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hd = readHeader(v, name);
  const { width, height, bits } = hd;
  if (width < 1 || height < 1) throw fail(name, `invalid size ${width}×${height}`);
  if (width * height > maxPixels) {
    throw new ClipkitError("IMAGE_TOO_LARGE", `${name}: ${width}×${height} exceeds maxPixels ${maxPixels}`, {
      details: { file: name, width, height, maxPixels },
    });
  }
  if (![1, 4, 8, 16, 24, 32].includes(bits)) throw fail(name, `unsupported pixel depth ${bits}`);
  let offset = v.getUint32(10, true);
  if (offset === 14 + (hd.paletteEntry === 3 ? 12 : v.getUint32(14, true)) && bits <= 8) {
    offset += hd.paletteEntry * hd.colors; // Pillow: pixel data right after the palette
  }
  const stride = ((width * bits + 31) >> 3) & ~3;
  if (bits > 8 || hd.compression !== COMPRESSION.RAW) {
    if (bits <= 8) throw fail(name, "RLE-compressed BMPs are not supported; convert the file to PNG");
  }
  const mode = bits > 8 ? trueColourMode(hd, name) : "P";
  if (offset + stride * height > bytes.length) throw fail(name, "pixel data is truncated");
  await beforeDecode?.({ width, height, bytesPerSample: 1 });
  const row = (y: number) => offset + (hd.topDown ? y : height - 1 - y) * stride;

  if (mode === "P") return decodePalette(bytes, hd, row, name);
  if (mode.startsWith("BGR;")) {
    const green6 = mode === "BGR;16";
    const data = new Uint8Array(width * height * 3);
    for (let y = 0, o = 0; y < height; y++) {
      for (let x = 0, p = row(y); x < width; x++, p += 2) {
        const px = bytes[p]! | (bytes[p + 1]! << 8);
        data[o++] = Math.trunc((((px >> (green6 ? 11 : 10)) & 31) * 255) / 31);
        data[o++] = green6
          ? Math.trunc((((px >> 5) & 63) * 255) / 63)
          : Math.trunc((((px >> 5) & 31) * 255) / 31);
        data[o++] = Math.trunc(((px & 31) * 255) / 31);
      }
    }
    return { width, height, channels: 3, data };
  }
  const step = bits / 8;
  const at = mode === "BGR" ? { r: 2, g: 1, b: 0, a: -1 } : layout(mode);
  const c = at.a >= 0 ? 4 : 3;
  const data = new Uint8Array(width * height * c);
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0, p = row(y); x < width; x++, p += step) {
      data[o++] = bytes[p + at.r]!;
      data[o++] = bytes[p + at.g]!;
      data[o++] = bytes[p + at.b]!;
      if (c === 4) data[o++] = bytes[p + at.a]!;
    }
  }
  return { width, height, channels: c, data };
}

function decodePalette(bytes: Uint8Array, hd: Header, row: (y: number) => number, name: string): RawImage {
  const { width, height, bits, colors, paletteEntry: e, paletteAt } = hd;
  if (!(colors > 0 && colors <= 65536)) throw fail(name, `unsupported palette size ${colors}`);
  if (paletteAt + e * colors > bytes.length) throw fail(name, "palette is truncated");
  // Pillow drops an identity grey palette ((0,0,0), (255,255,255) for 2 colours): mode 1 or L.
  let grey = true;
  for (let i = 0; i < colors && grey; i++) {
    const val = colors === 2 ? i * 255 : i;
    const p = paletteAt + i * e;
    grey = bytes[p] === val && bytes[p + 1] === val && bytes[p + 2] === val;
  }
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const index = (r: number, x: number) =>
    (bytes[r + Math.floor(x / perByte)]! >> (8 - bits - (x % perByte) * bits)) & mask;
  if (grey) {
    // Mode "1" unpacks bits to 0/255, "L" takes the byte as is (raw modes "1" and "L").
    const data = new Uint8Array(width * height);
    for (let y = 0, o = 0; y < height; y++) {
      const r = row(y);
      for (let x = 0; x < width; x++) data[o++] = colors === 2 ? (index(r, x) ? 255 : 0) : index(r, x);
    }
    const image: RawImage = { width, height, channels: 1, data };
    return colors === 2 ? { ...image, indexed: true } : image;
  }
  const data = new Uint8Array(width * height * 3);
  for (let y = 0, o = 0; y < height; y++) {
    const r = row(y);
    for (let x = 0; x < width; x++) {
      const i = index(r, x);
      if (i < colors) {
        const p = paletteAt + i * e; // entries are B, G, R(, reserved)
        data[o++] = bytes[p + 2]!;
        data[o++] = bytes[p + 1]!;
        data[o++] = bytes[p]!;
      } else o += 3; // past the palette: Pillow's palette is zero-filled there
    }
  }
  return { width, height, channels: 3, data, indexed: true };
}
