import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import type { RawImage } from "../image/types.js";
import { isNaflexProcessor, naflexBatch, naflexImageSize, parseNaflexConfig } from "./naflex.js";

describe("naflexImageSize", () => {
  it("gives patch-aligned sizes within the patch budget, at least one patch per side", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4000 }),
        fc.integer({ min: 1, max: 4000 }),
        fc.constantFrom(8, 14, 16),
        fc.integer({ min: 1, max: 1024 }),
        (h, w, p, max) => {
          const s = naflexImageSize(h, w, p, max);
          expect(s.height % p).toBe(0);
          expect(s.width % p).toBe(0);
          expect(s.height).toBeGreaterThanOrEqual(p);
          expect(s.width).toBeGreaterThanOrEqual(p);
          // One patch per side is the floor even when it exceeds a budget of 1 on both sides.
          if (max >= 1) expect((s.height / p) * (s.width / p)).toBeLessThanOrEqual(Math.max(max, 1));
        },
      ),
    );
  });

  it("keeps the aspect ratio roughly (a 2:1 image gets about twice the columns)", () => {
    // 11 × 22 = 242 patches fit in 256; the next grid up, 12 × 24 = 288, would not.
    expect(naflexImageSize(100, 200, 16, 256)).toEqual({ height: 176, width: 352 });
  });
});

describe("parseNaflexConfig / isNaflexProcessor", () => {
  it("recognises Siglip2ImageProcessor and its Fast / Pil variants only", () => {
    for (const t of ["Siglip2ImageProcessor", "Siglip2ImageProcessorFast", "Siglip2ImageProcessorPil"]) {
      expect(isNaflexProcessor({ image_processor_type: t })).toBe(true);
    }
    expect(isNaflexProcessor({ image_processor_type: "SiglipImageProcessor" })).toBe(false);
    expect(isNaflexProcessor(null)).toBe(false);
  });

  it("uses the class defaults (patch 16, 256 patches, bilinear, 0.5/0.5)", () => {
    const c = parseNaflexConfig({ image_processor_type: "Siglip2ImageProcessor" });
    expect(c.patchSize).toBe(16);
    expect(c.maxNumPatches).toBe(256);
    expect(c.pixels.resample).toBe("bilinear");
    expect(c.pixels.mean).toEqual([0.5, 0.5, 0.5]);
  });

  it("rejects a bad patch budget naming the key", () => {
    expect(() => parseNaflexConfig({ max_num_patches: 0 })).toThrow(/max_num_patches/);
    try {
      parseNaflexConfig({ patch_size: "16" });
    } catch (e) {
      expect(isClipkitError(e, "MODEL_CONFIG_INVALID")).toBe(true);
    }
  });
});

describe("naflexBatch", () => {
  const image = (w: number, h: number): RawImage => ({
    width: w,
    height: h,
    channels: 3,
    data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) % 256),
  });

  it("pads each image to the budget with a mask and its own grid shape", () => {
    const config = parseNaflexConfig({ patch_size: 4, max_num_patches: 10 });
    const b = naflexBatch([image(16, 8), image(5, 30)], config);
    expect(b.dims).toEqual([2, 10, 48]);
    const shapes = Array.from(b.spatialShapes!, Number);
    const masks = Array.from(b.pixelAttentionMask!, Number);
    for (let i = 0; i < 2; i++) {
      const [rows, cols] = [shapes[2 * i]!, shapes[2 * i + 1]!];
      expect(rows * cols).toBeLessThanOrEqual(10);
      expect(masks.slice(i * 10, (i + 1) * 10)).toEqual(
        Array.from({ length: 10 }, (_, k) => (k < rows * cols ? 1 : 0)),
      );
      // Padded patch rows are zero.
      expect(b.data.subarray((i * 10 + rows * cols) * 48, (i + 1) * 10 * 48).every((v) => v === 0)).toBe(
        true,
      );
    }
  });

  it("refuses an empty batch", () => {
    expect(() => naflexBatch([], parseNaflexConfig({}))).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});
