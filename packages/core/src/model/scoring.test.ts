import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { InferenceSession, Tensor } from "../backend/session.js";
import { isClipkitError } from "../errors.js";
import { parseModelConfig } from "./config.js";
import { defaultScoring, scoringFromGraph } from "./scoring.js";

/**
 * A combined graph computed in TypeScript: deterministic pseudo-embeddings and the HF logits
 * formula with the given constants, so the fit must recover exactly those constants.
 */
function fakeCombined(scale: number, bias: number | undefined): InferenceSession {
  const dim = 8;
  const embed = (seed: number): number[] =>
    Array.from({ length: dim }, (_, k) => Math.sin(seed * 12.9898 + k * 78.233) * 3);
  const unit = (v: number[]): number[] => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  return {
    inputs: [
      { name: "input_ids", type: "int64" },
      { name: "pixel_values", type: "float32" },
    ],
    outputs: ["logits_per_image", "text_embeds", "image_embeds"].map((name) => ({ name })),
    async run(feeds: Readonly<Record<string, Tensor>>) {
      const ids = feeds.input_ids!;
      const px = feeds.pixel_values!;
      const texts = Array.from({ length: ids.dims[0]! }, (_, t) => {
        const row = Array.from(
          (ids.data as BigInt64Array).subarray(t * ids.dims[1]!, (t + 1) * ids.dims[1]!),
          Number,
        );
        return unit(embed(row.reduce((a, b) => a * 31 + b, 7) % 1000));
      });
      const plane = (px.data.length / px.dims[0]!) | 0;
      const images = Array.from({ length: px.dims[0]! }, (_, i) =>
        unit(embed(((px.data[i * plane + 5] as number) + i) * 3.7)),
      );
      const logits = images.flatMap((iv) =>
        texts.map((tv) => scale * tv.reduce((a, x, k) => a + x * iv[k]!, 0) + (bias ?? 0)),
      );
      const f = (rows: number[][], n: number): Tensor => ({
        type: "float32",
        dims: [n, dim],
        data: Float32Array.from(rows.flat()),
      });
      return {
        logits_per_image: {
          type: "float32",
          dims: [images.length, texts.length],
          data: Float32Array.from(logits),
        },
        text_embeds: f(texts, texts.length),
        image_embeds: f(images, images.length),
      };
    },
    async release() {},
  };
}

const tokens = {
  ids: BigInt64Array.from([1n, 5n, 2n, 0n, 1n, 9n, 9n, 2n, 1n, 2n, 0n, 0n, 1n, 7n, 3n, 2n]),
  mask: new BigInt64Array(16).fill(1n),
  count: 4,
  length: 4,
};

describe("scoringFromGraph", () => {
  it("recovers CLIP's exp(logit_scale) and SigLIP's scale and bias", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 1, max: 200, noNaN: true }),
        fc.double({ min: -20, max: 5, noNaN: true }),
        async (scale, bias) => {
          const clip = await scoringFromGraph(fakeCombined(scale, undefined), "m.onnx", "clip", tokens, 4);
          expect(clip.kind).toBe("softmax");
          expect(clip.logitScale).toBeCloseTo(scale, 2);
          const siglip = await scoringFromGraph(fakeCombined(scale, bias), "m.onnx", "siglip", tokens, 4);
          expect(siglip).toMatchObject({ kind: "sigmoid" });
          expect(siglip.logitScale).toBeCloseTo(scale, 2);
          if (siglip.kind === "sigmoid") expect(siglip.logitBias).toBeCloseTo(bias, 2);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("names the missing output", async () => {
    const session = { ...fakeCombined(100, undefined), outputs: [{ name: "text_embeds" }] };
    await expect(scoringFromGraph(session, "m.onnx", "clip", tokens, 4)).rejects.toSatisfy(
      (e) => isClipkitError(e, "MODEL_TENSOR_MISSING") && (e as Error).message.includes("logits_per_image"),
    );
  });
});

describe("defaultScoring", () => {
  const config = (extra: Record<string, unknown>) =>
    parseModelConfig(JSON.stringify({ model_type: "clip", logit_scale_init_value: 2.6592, ...extra }));

  it("prefers a trained logit_scale recorded in config.json over the init value", () => {
    expect(defaultScoring(config({ logit_scale: Math.log(70.9) }))).toEqual({
      kind: "softmax",
      logitScale: expect.closeTo(70.9, 9),
    });
    expect(defaultScoring(config({}))).toEqual({ kind: "softmax", logitScale: 100 });
  });

  it("reads SigLIP's trained scale and bias, else its init values", () => {
    const siglip = (extra: Record<string, unknown>) =>
      defaultScoring(parseModelConfig(JSON.stringify({ model_type: "siglip", ...extra })));
    expect(siglip({ logit_scale: Math.log(117), logit_bias: -12.5 })).toEqual({
      kind: "sigmoid",
      logitScale: expect.closeTo(117, 9),
      logitBias: -12.5,
    });
    expect(siglip({})).toEqual({ kind: "sigmoid", logitScale: 10, logitBias: -10 });
  });
});
