import type { RawImage } from "@clipkit/core";

// 2D canvases store premultiplied alpha, so reading a translucent PNG back through one rounds its
// colours and zeroes fully transparent pixels — but Pillow keeps those bytes, and `convert("RGB")`
// feeds them to the model. WebCodecs' ImageDecoder can hand out the decoder's straight-alpha
// pixels instead; this file uses it for lossless formats whose frames come out as RGBA/BGRA.

const SIGNATURES: ReadonlyArray<[string, (b: Uint8Array) => boolean]> = [
  ["image/png", (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47],
  ["image/gif", (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38],
  ["image/bmp", (b) => b[0] === 0x42 && b[1] === 0x4d],
  ["image/webp", (b) => b[0] === 0x52 && b[1] === 0x49 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42],
];

/** The MIME type of a PNG, GIF, BMP or WebP file from its first bytes (JPEG and others: undefined). */
export function sniffStraightAlphaType(bytes: Uint8Array): string | undefined {
  return SIGNATURES.find(([, test]) => test(bytes))?.[0];
}

const RGBA_LIKE = new Set(["RGBA", "RGBX", "BGRA", "BGRX"]);

/**
 * Decodes the first frame of `bytes` with ImageDecoder, without colour management or
 * premultiplication. Returns undefined where ImageDecoder is missing, the type unsupported, or the
 * frame not 8-bit RGBA/BGRA — the caller then falls back to a canvas.
 */
export async function decodeStraightAlpha(bytes: Uint8Array, type: string): Promise<RawImage | undefined> {
  if (typeof ImageDecoder === "undefined" || !(await ImageDecoder.isTypeSupported(type))) return undefined;
  const decoder = new ImageDecoder({
    data: bytes,
    type,
    colorSpaceConversion: "none",
    // In the WebCodecs spec, missing from TypeScript's DOM types.
    premultiplyAlpha: "none",
  } as ImageDecoderInit);
  try {
    const { image } = await decoder.decode({ frameIndex: 0 });
    try {
      const format = image.format;
      if (!format || !RGBA_LIKE.has(format)) return undefined;
      const width = image.codedWidth;
      const height = image.codedHeight;
      const data = new Uint8ClampedArray(width * height * 4);
      await image.copyTo(data, { layout: [{ offset: 0, stride: width * 4 }] });
      if (format.startsWith("BGR")) {
        for (let p = 0; p < data.length; p += 4) {
          const b = data[p]!;
          data[p] = data[p + 2]!;
          data[p + 2] = b;
        }
      }
      if (format.endsWith("X")) for (let p = 3; p < data.length; p += 4) data[p] = 255;
      return { width, height, channels: 4, data };
    } finally {
      image.close();
    }
  } finally {
    decoder.close();
  }
}
