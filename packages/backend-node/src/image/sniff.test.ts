import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IMAGE_FIXTURES } from "../../../../tools/fixtures/images/reference.js";
import { sniffImage } from "./sniff.js";

const bytes = (name: string) => new Uint8Array(readFileSync(join(IMAGE_FIXTURES, name)));

describe("sniffImage", () => {
  it("reads PNG size, grey, 16-bit grey and palette from IHDR", () => {
    expect(sniffImage(bytes("gray_37x23.png"))).toEqual({
      format: "png",
      width: 37,
      height: 23,
      grey: true,
      grey16: false,
      indexed: false,
      dropAlpha: true,
    });
    expect(sniffImage(bytes("gray_alpha_29x41.png"))).toMatchObject({ dropAlpha: false });
    expect(sniffImage(bytes("rgba_45x31.png"))).toMatchObject({ dropAlpha: false });
    expect(sniffImage(bytes("gray16_25x19.png"))).toMatchObject({ grey: true, grey16: true, indexed: false });
    expect(sniffImage(bytes("palette_33x27.png"))).toMatchObject({ width: 33, height: 27, indexed: true });
    expect(sniffImage(bytes("gray_alpha_29x41.png"))).toMatchObject({ grey: false, indexed: false });
    expect(sniffImage(bytes("rgb16_25x19.png"))).toMatchObject({ grey: false, grey16: false });
  });

  it("recognises JPEG, GIF (with its size) and WebP", () => {
    expect(sniffImage(bytes("chelsea.jpg"))).toEqual({
      format: "jpeg",
      width: 451,
      height: 300,
      grey: false,
      grey16: false,
      indexed: false,
      dropAlpha: true,
      cmyk: false,
    });
    // EXIF (APP1) comes before the frame header; the stored size is before rotation.
    expect(sniffImage(bytes("exif6_120x80.jpg"))).toMatchObject({ width: 120, height: 80 });
    expect(sniffImage(bytes("gray_40x30.jpg"))).toMatchObject({ width: 40, height: 30, grey: true });
    expect(sniffImage(bytes("chelsea.jpg").subarray(0, 20))).toEqual({
      format: "jpeg",
      grey: false,
      grey16: false,
      indexed: false,
      dropAlpha: true,
    });
    expect(sniffImage(bytes("palette_31x22.gif"))).toMatchObject({
      format: "gif",
      width: 31,
      height: 22,
      indexed: true,
      dropAlpha: true,
    });
    expect(sniffImage(bytes("lossless_40x30.webp"))?.format).toBe("webp");
  });

  it("leaves other and truncated data to libvips", () => {
    expect(sniffImage(bytes("rgb_40x30.tif"))).toBeNull();
    expect(sniffImage(bytes("astronaut_256.png").subarray(0, 20))).toBeNull();
    expect(sniffImage(new Uint8Array(0))).toBeNull();
  });
});
