import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { idefics3EncoderSize, idefics3ResizeSize } from "./idefics3.js";
import { resizeTarget } from "./preprocess.js";

// Invariants of the per-class output-size rules (exact values are checked against transformers
// in processors.golden.test.ts).

const side = fc.integer({ min: 1, max: 5000 });

describe("Qwen2-VL smart_resize", () => {
  const spec = { mode: "smart_resize", factor: 28, minPixels: 56 * 56, maxPixels: 28 * 28 * 1280 } as const;

  it("gives positive multiples of the factor", () => {
    fc.assert(
      fc.property(side, side, (w, h) => {
        fc.pre(Math.max(w, h) / Math.min(w, h) <= 200);
        const t = resizeTarget(w, h, spec);
        expect(t.width % 28).toBe(0);
        expect(t.height % 28).toBe(0);
        expect(Math.min(t.width, t.height)).toBeGreaterThanOrEqual(28);
        // Shrinking keeps it within max_pixels (the floor branch), growing reaches min_pixels (ceil).
        if (w * h > spec.maxPixels * 2) expect(t.width * t.height).toBeLessThanOrEqual(spec.maxPixels);
        if (w * h * 2 < spec.minPixels) expect(t.width * t.height).toBeGreaterThanOrEqual(spec.minPixels);
      }),
    );
  });

  it("keeps an image whose sides are already multiples within the bounds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 2, max: 40 }), (a, b) => {
        fc.pre(a * b * 784 <= spec.maxPixels && Math.max(a, b) / Math.min(a, b) <= 200);
        expect(resizeTarget(a * 28, b * 28, spec)).toEqual({ width: a * 28, height: b * 28 });
      }),
    );
  });

  it("refuses an aspect ratio over 200 with IMAGE_INVALID", () => {
    expect(() => resizeTarget(1, 201, spec)).toThrow(/aspect ratio/);
  });
});

describe("Idefics3 / SmolVLM sizes", () => {
  it("resizes the longer side (the width for a square) to the target and makes the other side even", () => {
    fc.assert(
      fc.property(side, side, fc.integer({ min: 2, max: 4096 }), (w, h, longest) => {
        const t = idefics3ResizeSize(w, h, longest);
        expect(w >= h ? t.width : t.height).toBe(longest);
        const other = w >= h ? t.height : t.width;
        expect(other === 1 || other % 2 === 0).toBe(true);
      }),
    );
  });

  it("grows both sides to multiples of the tile", () => {
    fc.assert(
      fc.property(side, side, fc.integer({ min: 8, max: 512 }), (w, h, tile) => {
        const t = idefics3EncoderSize(w, h, tile);
        expect(t.width % tile).toBe(0);
        expect(t.height % tile).toBe(0);
        expect(w >= h ? t.width : t.height).toBeGreaterThanOrEqual(Math.max(w, h));
      }),
    );
  });
});
