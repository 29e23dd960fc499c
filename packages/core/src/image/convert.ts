import type { RawImage } from "./types.js";

// Pillow's `Image.convert` for the modes clipkit decodes into (libImaging/Convert.c): the colour
// conversions are plain copies, and alpha is dropped, never composited onto a background.

/**
 * `convert("RGB")`: L → replicated, LA → L replicated (alpha dropped), RGB → copy,
 * RGBA → alpha dropped. Always returns a fresh 3-channel image.
 */
export function toRgb(image: RawImage): RawImage {
  const { data, width, height, channels: c } = image;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  if (c === 3) {
    out.set(data);
  } else if (c === 1 || c === 2) {
    for (let i = 0, p = 0, o = 0; i < n; i++, p += c) {
      const v = data[p]!;
      out[o++] = v;
      out[o++] = v;
      out[o++] = v;
    }
  } else {
    for (let i = 0, p = 0, o = 0; i < n; i++, p += 4) {
      out[o++] = data[p]!;
      out[o++] = data[p + 1]!;
      out[o++] = data[p + 2]!;
    }
  }
  return { width, height, channels: 3, data: out };
}

/**
 * RGBA → RGBa / LA → La: colour channels times alpha with Pillow's rounded `MULDIV255`. Pillow
 * resizes RGBA and LA images in this premultiplied form so transparent pixels do not bleed.
 */
export function premultiply(image: RawImage): RawImage {
  const { data, channels: c } = image;
  const out = Uint8Array.from(data);
  if (c !== 2 && c !== 4) return { ...image, data: out };
  const a = c - 1;
  for (let p = 0; p < out.length; p += c) {
    const alpha = out[p + a]!;
    for (let ch = 0; ch < a; ch++) {
      const t = out[p + ch]! * alpha + 128;
      out[p + ch] = ((t >> 8) + t) >> 8;
    }
  }
  return { ...image, data: out };
}

/** RGBa → RGBA / La → LA, in place: Pillow divides by alpha with truncation, leaving alpha 0 and 255 alone. */
export function unpremultiply(image: RawImage): RawImage {
  if (image.channels === 2 || image.channels === 4) unpremultiplyPixels(image.data, image.channels);
  return image;
}

/** {@link unpremultiply} on interleaved pixels with `c` (2 or 4) channels, alpha last. */
export function unpremultiplyPixels(data: Uint8Array | Uint8ClampedArray, c: 2 | 4): void {
  const a = c - 1;
  for (let p = 0; p < data.length; p += c) {
    const alpha = data[p + a]!;
    if (alpha === 0 || alpha === 255) continue;
    for (let ch = 0; ch < a; ch++) {
      const v = Math.trunc((255 * data[p + ch]!) / alpha);
      data[p + ch] = Math.min(v, 255);
    }
  }
}
