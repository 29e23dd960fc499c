import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { parsePreprocessorConfig } from "./config.js";
import { cropOffset, preprocessBatch, preprocessImage, resizeTarget } from "./preprocess.js";
import { rawImages } from "./testing.js";
import type { PreprocessConfig, RawImage } from "./types.js";

const clip = parsePreprocessorConfig({ image_size: 16 });
const hf = parsePreprocessorConfig({
  image_processor_type: "CLIPImageProcessor",
  size: { shortest_edge: 16 },
  crop_size: 16,
});
const siglip = parsePreprocessorConfig({
  image_processor_type: "SiglipImageProcessor",
  size: { height: 12, width: 20 },
  image_mean: 0.5,
  image_std: 0.5,
});
const configs = [clip, hf, siglip];
const longest = parsePreprocessorConfig({ image_size: [10, 14], resize_mode: "longest", fill_color: 7 });

const dim = fc.integer({ min: 1, max: 48 });
const image = rawImages(48);

function normalised(v: number, ch: number, cfg: PreprocessConfig): number {
  return Math.fround(
    Math.fround(Math.fround(v / 255) - Math.fround(cfg.mean[ch]!)) / Math.fround(cfg.std[ch]!),
  );
}

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isClipkitError(e) ? e.code : "not a ClipkitError";
  }
  return undefined;
}

describe("preprocessImage", () => {
  it("always returns 3×H×W for any input of at least 1×1", () => {
    fc.assert(
      fc.property(image, fc.constantFrom(...configs, longest), (img, cfg) => {
        const out = preprocessImage(img, cfg);
        const h = cfg.crop?.height ?? 12;
        const w = cfg.crop?.width ?? 20;
        expect(out.length).toBe(3 * h * w);
        expect(out.every(Number.isFinite)).toBe(true);
      }),
    );
  });

  it("maps a constant colour to its constant normalised value", () => {
    fc.assert(
      fc.property(dim, dim, fc.integer({ min: 0, max: 255 }), fc.constantFrom(...configs), (w, h, v, cfg) => {
        const img: RawImage = { width: w, height: h, channels: 3, data: new Uint8Array(w * h * 3).fill(v) };
        const out = preprocessImage(img, cfg);
        const plane = out.length / 3;
        for (let ch = 0; ch < 3; ch++) {
          const expected = normalised(v, ch, cfg);
          expect(out.subarray(ch * plane, (ch + 1) * plane).every((x) => x === expected)).toBe(true);
        }
      }),
    );
  });

  it("drops alpha without compositing (Pillow convert('RGB')) when the alpha is opaque or uniform", () => {
    const rgb: RawImage = {
      width: 2,
      height: 1,
      channels: 3,
      data: Uint8Array.from([10, 20, 30, 40, 50, 60]),
    };
    const rgba: RawImage = {
      width: 2,
      height: 1,
      channels: 4,
      data: Uint8Array.from([10, 20, 30, 0, 40, 50, 60, 0]),
    };
    const cfg = parsePreprocessorConfig({
      image_processor_type: "CLIPImageProcessor",
      do_resize: false,
      do_center_crop: false,
    });
    expect(preprocessImage(rgba, cfg)).toEqual(preprocessImage(rgb, cfg));
  });

  it("treats a grey image like its RGB replication", () => {
    fc.assert(
      fc.property(image, fc.constantFrom(...configs), (img, cfg) => {
        const grey: RawImage = {
          ...img,
          channels: 1,
          data: img.data.filter((_, i) => i % img.channels === 0),
        };
        const rgb: RawImage = {
          ...img,
          channels: 3,
          data: Uint8Array.from(Array.from(grey.data).flatMap((v) => [v, v, v])),
        };
        expect(preprocessImage(grey, cfg)).toEqual(preprocessImage(rgb, cfg));
      }),
    );
  });

  it("is the identity on pixels when the image already has the crop size and no rescaling/normalising", () => {
    fc.assert(
      fc.property(image, (img) => {
        const cfg: PreprocessConfig = {
          ...clip,
          resize: { mode: "none" },
          crop: { height: img.height, width: img.width },
          rescaleFactor: 1,
          doNormalize: false,
        };
        const out = preprocessImage(
          { ...img, channels: 3, data: new Uint8Array(img.width * img.height * 3).fill(7) },
          cfg,
        );
        expect(out.every((x) => x === 7)).toBe(true);
      }),
    );
  });

  it("zero-pads when the crop is larger than the image", () => {
    const img: RawImage = { width: 1, height: 1, channels: 3, data: Uint8Array.from([255, 255, 255]) };
    const cfg: PreprocessConfig = {
      ...hf,
      resize: { mode: "none" },
      crop: { height: 3, width: 4 },
      doNormalize: false,
    };
    const out = preprocessImage(img, cfg);
    // HF: offset floor((1 - 4) / 2) = -2 → the pixel lands at column 2, row 1.
    expect(Array.from(out.subarray(0, 12))).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
    const tv = preprocessImage(img, { ...cfg, cropRounding: "half-even" });
    // torchvision: pad left floor(3 / 2) = 1 → column 1.
    expect(Array.from(tv.subarray(0, 12))).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  });

  it("rejects malformed images with IMAGE_INVALID", () => {
    const bad = [
      { width: 2, height: 2, channels: 3, data: new Uint8Array(11) },
      { width: 0, height: 2, channels: 3, data: new Uint8Array(0) },
      { width: 1, height: 1, channels: 5, data: new Uint8Array(5) },
      { width: 1, height: 1, channels: 1, data: [1] },
    ] as unknown as RawImage[];
    for (const img of bad) expect(errorCode(() => preprocessImage(img, clip))).toBe("IMAGE_INVALID");
  });
});

describe("resizeTarget and cropOffset", () => {
  it("truncates the long side like torchvision and HF: int(size * long / short)", () => {
    expect(resizeTarget(451, 300, { mode: "shortest_edge", size: 224 })).toEqual({ width: 336, height: 224 });
    expect(resizeTarget(300, 451, { mode: "shortest_edge", size: 224 })).toEqual({ width: 224, height: 336 });
    expect(resizeTarget(1, 9, { mode: "shortest_edge", size: 32 })).toEqual({ width: 32, height: 288 });
    expect(resizeTarget(5, 5, { mode: "none" })).toEqual({ width: 5, height: 5 });
  });

  it("keeps the ratio like open_clip's ResizeKeepRatio, rounding half to even", () => {
    const spec = { mode: "keep_ratio", height: 40, width: 48 } as const;
    // 451×300: ratios 7.5 (h) and 9.396 (w); shortest scales by 7.5 → 60.13, 40.
    expect(resizeTarget(451, 300, { ...spec, longest: false })).toEqual({ width: 60, height: 40 });
    // longest scales by 9.396 → 48, 31.93.
    expect(resizeTarget(451, 300, { ...spec, longest: true })).toEqual({ width: 48, height: 32 });
    // Ratio 2 (height 4 → 2): width 5 / 2 = 2.5 rounds to 2, width 3 / 2 = 1.5 rounds to 2.
    const half = { mode: "keep_ratio", height: 2, width: 3, longest: true } as const;
    expect(resizeTarget(5, 4, half)).toEqual({ width: 2, height: 2 });
    expect(resizeTarget(3, 4, half)).toEqual({ width: 2, height: 2 });
  });

  it("rounds crop offsets half to even (torchvision) or down (HF)", () => {
    // (h - target) / 2 = 0.5, 1.5, 2.5, 3.5
    expect([1, 3, 5, 7].map((d) => cropOffset(10 + d, 10, "half-even"))).toEqual([0, 2, 2, 4]);
    expect([1, 3, 5, 7].map((d) => cropOffset(10 + d, 10, "floor"))).toEqual([0, 1, 2, 3]);
  });
});

describe("preprocessBatch", () => {
  it("stacks images into NCHW equal to one-by-one preprocessing", () => {
    fc.assert(
      fc.property(
        fc.array(image, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...configs),
        (imgs, cfg) => {
          const { data, dims } = preprocessBatch(imgs, cfg);
          const per = dims[1] * dims[2] * dims[3];
          expect(dims[0]).toBe(imgs.length);
          for (const [i, img] of imgs.entries()) {
            expect(data.subarray(i * per, (i + 1) * per)).toEqual(preprocessImage(img, cfg));
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("rejects an empty batch and names a malformed image by index", () => {
    expect(errorCode(() => preprocessBatch([], clip))).toBe("INVALID_ARGUMENT");
    const ok: RawImage = { width: 1, height: 1, channels: 1, data: new Uint8Array(1) };
    try {
      preprocessBatch([ok, { ...ok, data: new Uint8Array(2) }], clip);
      expect.unreachable();
    } catch (e) {
      expect(isClipkitError(e, "IMAGE_INVALID") && e.details.argument).toBe("images[1]");
    }
  });

  it("needs a config with a fixed output size", () => {
    const cfg = parsePreprocessorConfig({
      image_processor_type: "CLIPImageProcessor",
      size: { shortest_edge: 8 },
      do_center_crop: false,
    });
    const ok: RawImage = { width: 1, height: 1, channels: 1, data: new Uint8Array(1) };
    expect(errorCode(() => preprocessBatch([ok], cfg))).toBe("INVALID_ARGUMENT");
  });
});
