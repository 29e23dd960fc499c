import { join } from "node:path";
import { isClipkitError, parsePreprocessorConfig, preprocessImage, toRgb } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { DECODE_FIXTURES, loadDecodeCases } from "../../../../tools/fixtures/decode/reference.js";
import { decodeImage } from "./decode.js";

// Decode parity with Pillow over a generated matrix of formats and modes
// (tools/fixtures/decode/make_decode_fixtures.py): the decoded pixels after convert("RGB"), and the
// uint8 pixels of both reference orders (transformers: convert first; openai/open_clip: resize in
// the source mode, convert after the crop), with rescaling and normalisation switched off.

const { size, cases } = loadDecodeCases();
const hf = parsePreprocessorConfig({
  image_processor_type: "CLIPImageProcessor",
  size: { shortest_edge: size },
  crop_size: { height: size, width: size },
  do_center_crop: true,
  resample: 3,
  do_rescale: false,
  do_normalize: false,
});
const openai = parsePreprocessorConfig({ image_size: size, mean: [0, 0, 0], std: [1, 1, 1] });

// Lossy codecs whose decoders differ: AVIF is decoded by libheif + dav1d in sharp and by libavif in
// Pillow, with different YUV → RGB conversion and chroma upsampling (measured: decoded max |Δ| 14,
// mean 1.48; after resize max 13, mean 1.15). Everything else is exact.
const TOLERANCE: Record<string, { max: number; mean: number }> = {
  "avif.avif": { max: 14, mean: 1.5 },
};

/** CHW float tensor (values `v * scale` apart) → HWC integers. */
function toHwc(chw: Float32Array, scale: number): Uint8Array {
  const n = size * size;
  const out = new Uint8Array(3 * n);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < n; i++) out[i * 3 + c] = Math.round(chw[c * n + i]! * scale);
  return out;
}

function delta(ours: ArrayLike<number>, ref: Uint8Array): { max: number; mean: number } {
  expect(ours.length).toBe(ref.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i]! - ref[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / ref.length };
}

function expectClose(ours: ArrayLike<number>, ref: Uint8Array | undefined, file: string): void {
  expect(ref).toBeDefined();
  const d = delta(ours, ref!);
  const allowed = TOLERANCE[file] ?? { max: 0, mean: 0 };
  expect(d.max, "max |Δ|").toBeLessThanOrEqual(allowed.max);
  expect(d.mean, "mean |Δ|").toBeLessThanOrEqual(allowed.mean);
}

describe("decoding matches Pillow's Image.open(...).convert('RGB')", () => {
  const decodable = cases.filter((c) => !c.error);
  it("covers the matrix", () => {
    expect(decodable.length).toBeGreaterThanOrEqual(38);
  });

  it.each(decodable.map((c) => [c.file, c.note, c] as const))("%s (%s)", async (file, _, c) => {
    const image = await decodeImage(join(DECODE_FIXTURES, "files", file));
    expect([image.width, image.height]).toEqual([c.width, c.height]);
    // Pillow modes without alpha never come back with an alpha channel (tRNS, GIF transparency).
    if (!/A/.test(c.mode)) expect(image.channels === 2 || image.channels === 4).toBe(false);
    // Pillow resizes P and 1 images with nearest neighbour: the decoder flags them.
    expect(image.indexed === true).toBe(c.mode === "P" || c.mode === "1");
    expectClose(toRgb(image).data, c.rgb, file);
    expectClose(toHwc(preprocessImage(image, hf), 1), c.hf, file);
    expectClose(toHwc(preprocessImage(image, openai), 255), c.openai, file);
  });

  it.each(cases.filter((c) => c.error).map((c) => [c.file, c] as const))(
    "%s is refused clearly",
    async (file, c) => {
      try {
        await decodeImage(join(DECODE_FIXTURES, "files", file));
        expect.unreachable();
      } catch (e) {
        expect(isClipkitError(e, c.error as "IMAGE_DECODE_FAILED")).toBe(true);
        expect((e as Error).message).toMatch(/RLE-compressed BMPs are not supported/);
      }
    },
  );

  it("refuses HEIC (no HEVC decoder in prebuilt sharp) with a clear message", async () => {
    const heic = Buffer.concat([
      Buffer.from([0, 0, 0, 24]),
      Buffer.from("ftypheic", "latin1"),
      Buffer.alloc(4),
      Buffer.from("mif1heic", "latin1"),
    ]);
    try {
      await decodeImage(heic);
      expect.unreachable();
    } catch (e) {
      expect(isClipkitError(e, "IMAGE_DECODE_FAILED")).toBe(true);
      expect((e as Error).message).toMatch(/HEIC .* not supported/);
    }
  });
});
