import { readFileSync } from "node:fs";
import { parsePreprocessorConfig } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImageInput } from "../image/index.js";
import { cosineToRow, decodePixels, MODELS_DIR, readReference } from "./fixtures.js";
import { loadClipModel } from "./load.js";
import { nodeImagePreparer } from "./prepare.js";

// Folders and references made by open_clip itself (tools/fixtures/open_clip/generate.py;
// tiny-coca, open_clip's CoCa with context 76: tools/fixtures/coca/build.py).
const MODELS = ["tiny-openclip", "tiny-openclip-siglip", "tiny-coca"] as const;

interface OpenClipReference {
  readonly imageSize: [number, number];
  readonly preprocessModes: ReadonlyArray<{ preprocess_cfg: Record<string, unknown>; pixels: string[] }>;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.each(MODELS)("%s: parity with open_clip", (name) => {
  const ref = readReference(name);
  const extra = readReference(name) as unknown as OpenClipReference;
  const dir = `${MODELS_DIR}${name}`;
  const texts = ref.texts.map((t) => t.text);
  const images = ref.images.map((i) => `${MODELS_DIR}${i.file}`);
  const models: Record<string, Awaited<ReturnType<typeof loadClipModel>>> = {};

  beforeAll(async () => {
    models.split = await loadClipModel(dir, { layout: "split" });
    models.combined = await loadClipModel(dir, { layout: "combined" });
  });
  afterAll(async () => {
    await Promise.all(Object.values(models).map((m) => m.release()));
  });

  it("tokenises as open_clip's tokenizer does, cleaning included", () => {
    const siglip = name === "tiny-openclip-siglip";
    const enc = models.split!.tokenizer.encodeBatch(texts, {
      padding: siglip ? "max_length" : false,
      maxLength: siglip ? 64 : name === "tiny-coca" ? 76 : 77,
      truncation: true,
    });
    expect(enc.inputIds).toEqual(ref.texts.map((t) => t.ids));
  });

  it("preprocesses as open_clip's preprocess does (Δ = 0)", async () => {
    const batch = await nodeImagePreparer(parsePreprocessorConfig(readOpenClipPreprocess(dir)))(images);
    const plane = batch.data.length / images.length;
    for (const [i, r] of ref.images.entries()) {
      const ours = batch.data.subarray(i * plane, (i + 1) * plane);
      expect(maxAbsDiff(ours, decodePixels(r.pixels))).toBe(0);
    }
  });

  it.each([0, 1, 2])(
    "resize mode case %i (shortest, squash, longest+fill) matches image_transform_v2 (Δ = 0)",
    async (k) => {
      const mode = extra.preprocessModes[k]!;
      const config = parsePreprocessorConfig({ ...mode.preprocess_cfg, image_size: extra.imageSize });
      const batch = await nodeImagePreparer(config)(images as ImageInput[]);
      const plane = batch.data.length / images.length;
      for (const [i, px] of mode.pixels.entries()) {
        expect(maxAbsDiff(batch.data.subarray(i * plane, (i + 1) * plane), decodePixels(px))).toBe(0);
      }
    },
  );

  it.each(["split", "combined"])(
    "%s graphs: encode_text / encode_image parity (cos ≥ 0.99999)",
    async (layout) => {
      const t = await models[layout]!.embedTexts(texts, { batchSize: 3 });
      expect(t.dim).toBe(ref.dim);
      for (const [i, r] of ref.texts.entries()) {
        expect(cosineToRow(t.data, t.dim, i, r.embedding)).toBeGreaterThanOrEqual(0.99999);
      }
      const im = await models[layout]!.embedImages(images, { batchSize: 3 });
      for (const [i, r] of ref.images.entries()) {
        expect(cosineToRow(im.data, im.dim, i, r.embedding)).toBeGreaterThanOrEqual(0.99999);
      }
    },
  );

  it("reads the trained scale (and bias) from the combined graph and scores like open_clip", async () => {
    const model = models.split!;
    expect(model.scoringSource).toBe("graph");
    const s = model.scoring;
    expect(s.kind).toBe(ref.scoring.kind);
    expect(s.logitScale).toBeCloseTo(ref.scoring.logitScale, 3);
    if (s.kind === "sigmoid") expect(s.logitBias).toBeCloseTo(ref.scoring.logitBias!, 3);
    const t = await model.embedTexts(texts);
    const im = await model.embedImages(images);
    for (let i = 0; i < im.count; i++) {
      for (let j = 0; j < t.count; j++) {
        let cos = 0;
        for (let k = 0; k < t.dim; k++) cos += im.data[i * t.dim + k]! * t.data[j * t.dim + k]!;
        const logit = s.logitScale * cos + (s.kind === "sigmoid" ? s.logitBias : 0);
        expect(Math.abs(logit - ref.logitsPerImage[i]![j]!)).toBeLessThan(
          1e-3 * Math.max(1, Math.abs(logit)),
        );
      }
    }
  });

  it("pads to the graph's fixed context and names the space by model type and graph hash", () => {
    const kind = name === "tiny-openclip-siglip" ? "siglip" : "clip";
    expect(models.split!.modelType).toBe(kind);
    expect(models.split!.space.id).toMatch(new RegExp(`^${kind}@[0-9a-f]{12}$`));
  });
});

function readOpenClipPreprocess(dir: string): Record<string, unknown> {
  // The loader merges vision_cfg.image_size into preprocess_cfg; do the same by hand here.
  const cfg = JSON.parse(readFileSync(`${dir}/open_clip_config.json`, "utf8"));
  return { ...cfg.preprocess_cfg, image_size: cfg.model_cfg.vision_cfg.image_size };
}
