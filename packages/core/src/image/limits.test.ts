import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { computeCoefficients } from "./coefficients.js";
import { parsePreprocessorConfig } from "./config.js";
import { checkResizeWork, DEFAULT_MAX_RESIZE_BYTES, resizeWorkBytes } from "./limits.js";
import { preprocessImage, resizeTarget } from "./preprocess.js";

const clip = parsePreprocessorConfig({ image_size: 224 }); // openai: shortest edge 224, bicubic
const siglip = parsePreprocessorConfig({
  image_processor_type: "SiglipImageProcessor",
  size: { height: 224, width: 224 },
  resample: 2,
});

function caught(f: () => void): { code?: string; details?: Record<string, unknown> } {
  try {
    f();
  } catch (e) {
    if (isClipkitError(e)) return { code: e.code, details: { ...e.details } };
    throw e;
  }
  return {};
}

describe("resizeWorkBytes", () => {
  it.each([
    [451, 300, clip],
    [1, 9, clip],
    [4000, 3000, clip],
    [300, 4000, siglip],
    [3, 50_000, siglip],
  ] as const)("equals what computeCoefficients allocates for %i×%i", (w, h, config) => {
    const t = resizeTarget(w, h, config.resize);
    let bytes = 0;
    if (t.width !== w) {
      const co = computeCoefficients(w, t.width, config.resample);
      bytes += co.weights.byteLength + co.bounds.byteLength;
    }
    if (t.height !== h) {
      const co = computeCoefficients(h, t.height, config.resample);
      bytes += co.weights.byteLength + co.bounds.byteLength;
    }
    expect(resizeWorkBytes(w, h, config)).toBe(bytes);
  });

  it("is small for photos and huge for extreme strips", () => {
    expect(resizeWorkBytes(4000, 3000, clip)).toBeLessThan(1 << 20);
    // 1,000,000×1 → 224,000,000×224: bicubic upscaling tables for 224 M columns (~6.3 GB).
    expect(resizeWorkBytes(1_000_000, 1, clip)).toBeGreaterThan(6e9);
  });
});

describe("checkResizeWork", () => {
  it("refuses a 1,000,000×1 strip under the default limit, naming sizes and file", () => {
    expect(caught(() => checkResizeWork(1_000_000, 1, clip, undefined, "strip.png"))).toEqual({
      code: "IMAGE_TOO_LARGE",
      details: {
        file: "strip.png",
        width: 1_000_000,
        height: 1,
        resizedWidth: 224_000_000,
        resizedHeight: 224,
        workBytes: resizeWorkBytes(1_000_000, 1, clip),
        maxResizeBytes: DEFAULT_MAX_RESIZE_BYTES,
      },
    });
    expect(caught(() => checkResizeWork(1, 3_000_000, clip)).code).toBe("IMAGE_TOO_LARGE");
  });

  it("lets photos, strips a Pillow pipeline handles, and squash resizes through", () => {
    for (const [w, h] of [
      [4000, 3000],
      [1, 9],
      [9000, 20],
    ] as const) {
      expect(caught(() => checkResizeWork(w, h, clip))).toEqual({});
    }
    // A squash resize shrinks the long side instead: a 1,000,000×1 strip is cheap there.
    expect(caught(() => checkResizeWork(1_000_000, 1, siglip))).toEqual({});
  });

  it("passes exactly the images whose preprocessing stays within the limit", () => {
    // Under a tiny limit a 1×40 strip (→ 224×8960) is refused, a 1×9 one (→ 224×2016) passes and
    // still preprocesses (its Pillow parity is covered by the decode parity suite).
    const limit = resizeWorkBytes(1, 9, clip);
    expect(caught(() => checkResizeWork(1, 9, clip, limit)).code).toBeUndefined();
    expect(caught(() => checkResizeWork(1, 40, clip, limit)).code).toBe("IMAGE_TOO_LARGE");
    const strip = { width: 1, height: 9, channels: 3 as const, data: new Uint8Array(27).fill(9) };
    expect(preprocessImage(strip, clip).length).toBe(3 * 224 * 224);
  });
});
