import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEmbeddings } from "../embeddings.js";
import { isClipkitError } from "../errors.js";
import { parseModelConfig } from "./config.js";
import { parseJinaClipPreprocess } from "./jina-clip.js";
import { matryoshkaSpaceId, withDimensions } from "./matryoshka.js";
import type { LoadedClipModel } from "./options.js";

/** A model whose towers return fixed raw rows (what a real graph outputs before normalisation). */
function fakeModel(rows: Float32Array, count: number, dim: number): LoadedClipModel<string> {
  const space = { id: "fake@0123456789ab", dim, normalized: true };
  const raw = async (options?: { normalize?: boolean }) => {
    expect(options?.normalize).toBe(false);
    return createEmbeddings(rows.slice(), count, { ...space, normalized: false });
  };
  return {
    modelType: "clip",
    space,
    scoring: { kind: "softmax", logitScale: 100 },
    scoringSource: "config",
    layout: {} as LoadedClipModel<string>["layout"],
    tokenizer: {} as LoadedClipModel<string>["tokenizer"],
    embedTexts: (_t, o) => raw(o),
    embedImages: (_i, o) => raw(o),
    release: async () => {},
  };
}

describe("withDimensions (Matryoshka truncation)", () => {
  it("equals normalise(first d components) of the raw rows, unit length, in a space naming d (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 24 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 23 }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 120, maxLength: 120 }),
        async (dim, count, cutAt, values) => {
          const rows = Float32Array.from(values.slice(0, dim * count));
          for (let r = 0; r < count; r++) rows[r * dim] = 1 + Math.abs(rows[r * dim]!); // no zero prefix
          const d = 1 + (cutAt % (dim - 1));
          const cut = withDimensions(fakeModel(rows, count, dim), d);
          const e = await cut.embedTexts(["x"]);
          expect(e.space).toEqual({
            id: matryoshkaSpaceId("fake@0123456789ab", d),
            dim: d,
            normalized: true,
          });
          for (let r = 0; r < count; r++) {
            let norm = 0;
            for (let k = 0; k < d; k++) norm += rows[r * dim + k]! ** 2;
            norm = Math.sqrt(norm);
            let len = 0;
            for (let k = 0; k < d; k++) {
              expect(e.data[r * d + k]!).toBeCloseTo(rows[r * dim + k]! / norm, 5);
              len += e.data[r * d + k]! ** 2;
            }
            expect(len).toBeCloseTo(1, 5);
          }
          const rawCut = await cut.embedImages(["x"], { normalize: false });
          expect(rawCut.space.normalized).toBe(false);
          expect(Array.from(rawCut.data.subarray(0, d))).toEqual(Array.from(rows.subarray(0, d)));
        },
      ),
    );
  });

  it("keeps the model at full width and refuses widths outside 1..dim or the trained list", () => {
    const model = fakeModel(new Float32Array(8), 1, 8);
    expect(withDimensions(model, 8)).toBe(model);
    for (const [d, allowed] of [[0], [9], [1.5], [3, [2, 4, 8]]] as const) {
      try {
        withDimensions(model, d, allowed);
        expect.unreachable();
      } catch (error) {
        expect(isClipkitError(error, "INVALID_ARGUMENT")).toBe(true);
      }
    }
  });
});

describe("jina-clip and AltCLIP config parsing", () => {
  it("reads jina_clip as CLIP scoring with its Matryoshka widths; rejects a malformed list", () => {
    const c = parseModelConfig(
      JSON.stringify({ model_type: "jina_clip", projection_dim: 1024, matryoshka_dimensions: [64, 1024] }),
    );
    expect(c).toMatchObject({
      modelType: "clip",
      family: "jina_clip",
      projectionDim: 1024,
      maxTextLength: 8192,
    });
    expect(c.matryoshkaDimensions).toEqual([64, 1024]);
    try {
      parseModelConfig(
        JSON.stringify({ model_type: "jina_clip", matryoshka_dimensions: [64, "x"] }),
        "cfg.json",
      );
      expect.unreachable();
    } catch (error) {
      expect(isClipkitError(error, "MODEL_CONFIG_INVALID")).toBe(true);
      expect((error as Error).message).toContain("cfg.json");
    }
  });

  it("reads altclip's XLM-R text length as max_position_embeddings - 2", () => {
    const c = parseModelConfig(
      JSON.stringify({
        model_type: "altclip",
        projection_dim: 768,
        text_config: { max_position_embeddings: 514 },
      }),
    );
    expect(c).toMatchObject({ modelType: "clip", projectionDim: 768, maxTextLength: 512 });
    expect(c.family).toBeUndefined();
  });

  it("maps JinaCLIPImageProcessor fields onto open_clip preprocessing and names a bad size", () => {
    const p = parseJinaClipPreprocess({ size: 512, resize_mode: "squash", interpolation: "bilinear" });
    expect(p.resize).toMatchObject({ mode: "squash", height: 512, width: 512 });
    try {
      parseJinaClipPreprocess({ size: -1 }, "pre.json");
      expect.unreachable();
    } catch (error) {
      expect(isClipkitError(error, "MODEL_CONFIG_INVALID")).toBe(true);
      expect((error as Error).message).toContain("pre.json: size");
    }
  });
});
