import { gifTransparentColour, paintTransparent, type RawImage } from "@clipkit/core";

// Pillow's view of an encoded file, read from its first bytes, so that browser-decoded RGBA pixels
// can be turned into what `Image.open(p)` holds (as the Node decoder does): PNG grey/RGB/palette and
// GIF have no alpha band in Pillow (a tRNS key or a transparent palette entry only sets
// `info["transparency"]`, which `convert("RGB")` ignores), palette images and 1-bit PNGs are
// resized with nearest neighbour, and the header size is checked before anything is decoded.

/** What the header says: size (where stated up front) and Pillow's mode facts. */
export interface HeaderFacts {
  readonly width?: number;
  readonly height?: number;
  /** Pillow's mode has no alpha band: drop the decoder's alpha channel. */
  readonly noAlpha: boolean;
  /** Pillow mode `P` or `1`: resized with nearest in the torchvision order. */
  readonly indexed: boolean;
  /** The colour Pillow gives pixels the browser returns fully transparent (tRNS key, GIF entry). */
  readonly keyColour?: readonly [number, number, number];
}

/** The RGB (or grey, replicated) colour of a PNG tRNS key for colour types 0 and 2. */
function pngKey(bytes: Uint8Array, colourType: number, depth: number): [number, number, number] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 8; i + 12 <= bytes.length; ) {
    const length = view.getUint32(i);
    const tag = String.fromCharCode(bytes[i + 4]!, bytes[i + 5]!, bytes[i + 6]!, bytes[i + 7]!);
    if (tag === "IDAT" || tag === "IEND") return undefined;
    if (tag === "tRNS" && i + 8 + length <= bytes.length) {
      // Samples are 16-bit big-endian; 8-bit images use the low byte, 16-bit ones keep the high byte.
      const sample = (k: number) => {
        const v = view.getUint16(i + 8 + 2 * k);
        return depth === 16 ? v >> 8 : depth < 8 ? Math.round((v * 255) / ((1 << depth) - 1)) : v & 255;
      };
      if (colourType === 0 && length >= 2) return [sample(0), sample(0), sample(0)];
      if (colourType === 2 && length >= 6) return [sample(0), sample(1), sample(2)];
      return undefined;
    }
    i += 12 + length;
  }
  return undefined;
}

/** Reads {@link HeaderFacts} from PNG, GIF, JPEG and BMP headers; other formats keep their alpha. */
export function headerFacts(bytes: Uint8Array): HeaderFacts {
  const b = bytes;
  if (b.length >= 29 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const depth = b[24]!;
    const colourType = b[25]!;
    const noAlpha = colourType !== 4 && colourType !== 6;
    const key = colourType === 0 || colourType === 2 ? pngKey(b, colourType, depth) : undefined;
    return {
      width: view.getUint32(16),
      height: view.getUint32(20),
      noAlpha,
      indexed: colourType === 3 || (colourType === 0 && depth === 1),
      ...(key ? { keyColour: key } : {}),
    };
  }
  if (b.length >= 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) {
    const key = gifTransparentColour(b);
    return {
      width: b[6]! | (b[7]! << 8),
      height: b[8]! | (b[9]! << 8),
      noAlpha: true,
      indexed: true,
      ...(key ? { keyColour: key } : {}),
    };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff)
    return { noAlpha: true, indexed: false };
  return { noAlpha: false, indexed: false };
}

/** RGBA from the browser → Pillow's bands: alpha dropped where Pillow has none, key pixels painted. */
export function applyHeaderFacts(image: RawImage, facts: HeaderFacts): RawImage {
  if (!facts.noAlpha || image.channels !== 4) return image;
  const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  let rgb: Uint8Array;
  if (facts.keyColour) {
    rgb = paintTransparent(data, facts.keyColour);
  } else {
    rgb = new Uint8Array((data.length / 4) * 3);
    for (let p = 0, o = 0; p < data.length; p += 4, o += 3) {
      rgb[o] = data[p]!;
      rgb[o + 1] = data[p + 1]!;
      rgb[o + 2] = data[p + 2]!;
    }
  }
  const out: RawImage = { width: image.width, height: image.height, channels: 3, data: rgb };
  return facts.indexed ? { ...out, indexed: true } : out;
}
