import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resample } from "./resample.js";
import { simdModuleBytes, simdPasses } from "./simd.js";
import { rawImages } from "./testing.js";
import type { RawImage, ResampleFilter } from "./types.js";

const size = fc.integer({ min: 1, max: 48 });
const image = rawImages(48);
const filter = fc.constantFrom<ResampleFilter>("bicubic", "bilinear", "lanczos", "box", "hamming");

describe("WebAssembly SIMD resample passes", () => {
  it("assemble into a valid module that Node instantiates", () => {
    expect(WebAssembly.validate(simdModuleBytes())).toBe(true);
    const passes = simdPasses(1 << 20);
    expect(passes).not.toBeNull();
    expect(passes!.memory.buffer.byteLength).toBeGreaterThanOrEqual(1 << 20);
  });

  it("give byte-identical results to the TypeScript passes, windows included", () => {
    fc.assert(
      fc.property(image, size, size, filter, fc.nat(), fc.nat(), (img, w, h, f, a, b) => {
        const left = a % w;
        const top = b % h;
        const win = { left, top, width: w - left, height: h - top };
        const simd = resample(img, w, h, f, win, { simd: true });
        const plain = resample(img, w, h, f, win, { simd: false });
        expect(simd.data).toEqual(plain.data);
      }),
      { numRuns: 300 },
    );
  });

  it("clamp extreme sums exactly like Pillow (lanczos overshoot on a black/white edge)", () => {
    const data = new Uint8Array(64 * 3);
    for (let x = 0; x < 64; x++) data.fill(x % 2 === 0 ? 0 : 255, x * 3, x * 3 + 3);
    const img: RawImage = { width: 64, height: 1, channels: 3, data };
    for (const w of [5, 31, 63, 100, 200]) {
      expect(resample(img, w, 1, "lanczos", undefined, { simd: true }).data).toEqual(
        resample(img, w, 1, "lanczos", undefined, { simd: false }).data,
      );
    }
  });
});
