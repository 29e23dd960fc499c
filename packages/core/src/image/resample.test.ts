import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { computeCoefficients } from "./coefficients.js";
import { resample } from "./resample.js";
import type { RawImage, ResampleFilter } from "./types.js";

const FILTERS: ResampleFilter[] = ["nearest", "lanczos", "bilinear", "bicubic", "box", "hamming"];
const CONVOLUTION = FILTERS.filter((f) => f !== "nearest");

const size = fc.integer({ min: 1, max: 40 });
const channels = fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const);
const image = fc
  .record({ width: size, height: size, channels, seed: fc.integer() })
  .map(({ width, height, channels, seed }): RawImage => {
    const data = new Uint8Array(width * height * channels);
    let s = seed >>> 0;
    for (let i = 0; i < data.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      data[i] = s >>> 24;
    }
    return { width, height, channels, data };
  });

describe("resample", () => {
  it("returns the requested size and channel count for every filter", () => {
    fc.assert(
      fc.property(image, size, size, fc.constantFrom(...FILTERS), (img, w, h, filter) => {
        const out = resample(img, w, h, filter);
        expect([out.width, out.height, out.channels]).toEqual([w, h, img.channels]);
        expect(out.data.length).toBe(w * h * img.channels);
      }),
    );
  });

  it("is the identity (a copy) at the image's own size", () => {
    fc.assert(
      fc.property(image, fc.constantFrom(...FILTERS), (img, filter) => {
        const out = resample(img, img.width, img.height, filter);
        expect(out.data).toEqual(img.data);
        expect(out.data).not.toBe(img.data);
      }),
    );
  });

  it("maps a constant image to the same constant", () => {
    fc.assert(
      fc.property(
        size,
        size,
        size,
        size,
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(...FILTERS),
        (w, h, ow, oh, v, f) => {
          const img: RawImage = { width: w, height: h, channels: 1, data: new Uint8Array(w * h).fill(v) };
          expect(resample(img, ow, oh, f).data.every((x) => x === v)).toBe(true);
        },
      ),
    );
  });

  it("stays within one level of a floating-point convolution with the same kernel", () => {
    // Fixed-point weights and the uint8 rounding between passes cost at most about one level per pass.
    fc.assert(
      fc.property(image, size, fc.constantFrom(...CONVOLUTION), (img, w, filter) => {
        const gray: RawImage = {
          width: img.width,
          height: 1,
          channels: 1,
          data: img.data.slice(0, img.width),
        };
        const out = resample(gray, w, 1, filter);
        const co = computeCoefficients(img.width, w, filter);
        for (let x = 0; x < w; x++) {
          let sum = 0;
          for (let k = 0; k < co.bounds[x * 2 + 1]!; k++) {
            sum += gray.data[co.bounds[x * 2]! + k]! * (co.weights[x * co.ksize + k]! / 2 ** 22);
          }
          expect(Math.abs(out.data[x]! - Math.min(255, Math.max(0, sum)))).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it("builds coefficients that sum to one in 22-bit fixed point and widen when downscaling", () => {
    for (const filter of CONVOLUTION) {
      const down = computeCoefficients(100, 10, filter);
      const up = computeCoefficients(10, 100, filter);
      expect(down.ksize).toBeGreaterThan(up.ksize);
      for (const co of [down, up]) {
        for (let i = 0; i < co.bounds.length / 2; i++) {
          let s = 0;
          for (let k = 0; k < co.ksize; k++) s += co.weights[i * co.ksize + k]!;
          expect(Math.abs(s - 2 ** 22)).toBeLessThanOrEqual(co.ksize);
        }
      }
    }
  });

  it("matches hand-computed Pillow values for a 4→2 bilinear downscale", () => {
    // Support 2 at scale 2. Output 0: centre 1.0, pixels 0..2 weighted 0.75, 0.75, 0.25 → 125 / 1.75.
    // Output 1: centre 3.0, pixels 1..3 weighted 0.25, 0.75, 0.75 → 366.25 / 1.75.
    const img: RawImage = { width: 4, height: 1, channels: 1, data: Uint8Array.from([0, 100, 200, 255]) };
    const out = resample(img, 2, 1, "bilinear");
    // Pillow 9.4: Image.frombytes("L", (4, 1), bytes([0, 100, 200, 255])).resize((2, 1), BILINEAR)
    expect(Array.from(out.data)).toEqual([71, 209]);
  });

  it("computes a window exactly as the same rectangle of the full resize", () => {
    fc.assert(
      fc.property(
        image,
        size,
        size,
        fc.constantFrom(...FILTERS),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (img, w, h, filter, a, b, cw, ch) => {
          const left = a % w;
          const top = b % h;
          const win = { left, top, width: 1 + (cw % (w - left)), height: 1 + (ch % (h - top)) };
          const full = resample(img, w, h, filter);
          const part = resample(img, w, h, filter, win);
          const c = img.channels;
          for (let y = 0; y < win.height; y++) {
            const from = ((top + y) * w + left) * c;
            expect(part.data.subarray(y * win.width * c, (y + 1) * win.width * c)).toEqual(
              full.data.subarray(from, from + win.width * c),
            );
          }
        },
      ),
    );
  });

  it("rejects non-positive or fractional sizes", () => {
    const img: RawImage = { width: 2, height: 2, channels: 1, data: new Uint8Array(4) };
    for (const [w, h] of [
      [0, 2],
      [2, -1],
      [1.5, 2],
    ] as const) {
      let error: unknown;
      try {
        resample(img, w, h, "bicubic");
      } catch (e) {
        error = e;
      }
      expect(isClipkitError(error, "INVALID_ARGUMENT")).toBe(true);
    }
    expect(() => resample(img, 4, 4, "bicubic", { left: 2, top: 0, width: 3, height: 1 })).toThrow(
      /window.width/,
    );
  });
});
