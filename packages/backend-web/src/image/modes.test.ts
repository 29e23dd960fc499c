import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RawImage } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { DECODE_FIXTURES, loadDecodeCases } from "../../../../tools/fixtures/decode/reference.js";
import { applyHeaderFacts, headerFacts } from "./modes.js";

// The browser decodes to RGBA (a 2D canvas even premultiplied: transparent pixels read black);
// these checks turn such pixels into Pillow's `convert("RGB")` result using the header alone.

const { cases } = loadDecodeCases();
const ref = (file: string) => cases.find((c) => c.file === file)!;
const bytes = (file: string) => new Uint8Array(readFileSync(join(DECODE_FIXTURES, "files", file)));

/** What a canvas hands back: RGBA with the `transparent` pixels zeroed (premultiplied alpha 0). */
function canvasLike(
  rgb: Uint8Array,
  width: number,
  height: number,
  transparent: (i: number) => boolean,
): RawImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const clear = transparent(i);
    for (let c = 0; c < 3; c++) data[i * 4 + c] = clear ? 0 : rgb[i * 3 + c]!;
    data[i * 4 + 3] = clear ? 0 : 255;
  }
  return { width, height, channels: 4, data };
}

describe("headerFacts", () => {
  it("reads sizes and Pillow's mode facts", () => {
    expect(headerFacts(bytes("png_rgba.png"))).toEqual({
      width: 23,
      height: 17,
      noAlpha: false,
      indexed: false,
    });
    expect(headerFacts(bytes("png_grey_alpha.png")).noAlpha).toBe(false);
    expect(headerFacts(bytes("png_palette.png"))).toMatchObject({ noAlpha: true, indexed: true });
    expect(headerFacts(bytes("png_grey1.png"))).toMatchObject({ noAlpha: true, indexed: true });
    expect(headerFacts(bytes("gif_still.gif"))).toEqual({
      width: 23,
      height: 17,
      noAlpha: true,
      indexed: true,
    });
    expect(headerFacts(bytes("jpeg_exif6.jpg"))).toEqual({ noAlpha: true, indexed: false });
    expect(headerFacts(bytes("webp_alpha.webp"))).toEqual({ noAlpha: false, indexed: false });
    const key = ref("png_rgb_trns.png").rgb!.subarray((8 * 23 + 11) * 3, (8 * 23 + 11) * 3 + 3);
    expect(headerFacts(bytes("png_rgb_trns.png")).keyColour).toEqual(Array.from(key));
  });
});

describe("applyHeaderFacts gives Pillow's convert('RGB') from canvas-style RGBA", () => {
  it.each(["png_rgb_trns.png", "png_grey8_trns.png", "gif_transparent.gif"])("%s", (file) => {
    const c = ref(file);
    const facts = headerFacts(bytes(file));
    const key = facts.keyColour!;
    expect(key).toBeDefined();
    const rgb = c.rgb!;
    const isKey = (i: number) =>
      rgb[i * 3] === key[0] && rgb[i * 3 + 1] === key[1] && rgb[i * 3 + 2] === key[2];
    const keyed = Array.from({ length: c.width * c.height }, (_, i) => i).filter(isKey).length;
    expect(keyed).toBeGreaterThan(0);
    const out = applyHeaderFacts(canvasLike(rgb, c.width, c.height, isKey), facts);
    expect(out.channels).toBe(3);
    expect(Array.from(out.data)).toEqual(Array.from(rgb));
    expect(out.indexed === true).toBe(c.mode === "P");
  });

  it("keeps a real alpha channel", () => {
    const image: RawImage = { width: 1, height: 1, channels: 4, data: new Uint8Array([1, 2, 3, 4]) };
    expect(applyHeaderFacts(image, headerFacts(bytes("png_rgba.png")))).toBe(image);
  });
});
