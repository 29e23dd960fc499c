/**
 * The shipped emoji model (@clipkit/model-emoji) through clipkit end to end: it loads, its tower
 * outputs match PyTorch, and the eval API reproduces the PyTorch reference numbers on the
 * committed twemoji subset (tools/train/reference_subset.py wrote reference.json).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadedClipModel } from "@clipkit/core";
import { emojiModelDir, emojiModelScoring } from "@clipkit/model-emoji";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImageInput } from "../image/index.js";
import { loadClipModel } from "../model/index.js";
import { embedManifestImages, evaluateRetrieval, evaluateZeroShot } from "./evaluate.js";
import { readEvalManifest } from "./manifest.js";

const subset = join(emojiModelDir, "..", "eval", "twemoji-sample");
const manifestPath = join(subset, "manifest.jsonl");
interface Metrics {
  top1: number;
  top5: number;
  mean_per_class_recall: number;
}
const reference = JSON.parse(readFileSync(join(subset, "reference.json"), "utf8")) as {
  zeroshot: Record<"bare" | "photo" | "emoji", Metrics & { templates: string[] }>;
  retrieval: Record<string, number>;
  embeddings: { image: string; text: string; ids: number[]; image_embed: string; text_embed: string }[];
};

function floats(b64: string): Float32Array {
  const bytes = Buffer.from(b64, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

// One image of 48 is the tolerance: onnxruntime and PyTorch may order a near-tie differently.
const ONE_IMAGE = 1 / 48 + 1e-6;

describe("@clipkit/model-emoji through clipkit", () => {
  let model: LoadedClipModel<ImageInput>;
  beforeAll(async () => {
    model = await loadClipModel(emojiModelDir, { scoring: emojiModelScoring() });
  });
  afterAll(async () => {
    await model?.release();
  });

  it("loads as a 128-d CLIP with the trained logit scale", () => {
    expect(model.modelType).toBe("clip");
    expect(model.space.dim).toBe(128);
    expect(model.scoring.kind).toBe("softmax");
    expect(model.scoring.logitScale).toBeGreaterThan(10);
    expect(model.scoring.logitScale).toBeLessThanOrEqual(100);
  });

  it("tokenizes like the training tokenizer (openai/CLIP BPE)", () => {
    for (const r of reference.embeddings) expect(model.tokenizer.encode(r.text)).toEqual(r.ids);
  });

  it("matches PyTorch tower outputs on reference images and texts", async () => {
    const refs = reference.embeddings;
    const images = await model.embedImages(refs.map((r) => join(subset, r.image)));
    const texts = await model.embedTexts(refs.map((r) => r.text));
    for (const [i, r] of refs.entries()) {
      const img = images.data.subarray(i * 128, (i + 1) * 128);
      const txt = texts.data.subarray(i * 128, (i + 1) * 128);
      expect(cosine(img, floats(r.image_embed))).toBeGreaterThan(0.9999);
      expect(cosine(txt, floats(r.text_embed))).toBeGreaterThan(0.9999);
    }
  });

  it("reproduces the reference zero-shot and retrieval numbers on the committed subset", async () => {
    const manifest = await readEvalManifest(manifestPath);
    expect(manifest.items).toHaveLength(48);
    const images = await embedManifestImages(model, manifest);
    for (const name of ["bare", "photo", "emoji"] as const) {
      const ref = reference.zeroshot[name];
      const report = await evaluateZeroShot(model, manifest, ref.templates, { images });
      expect(report.metrics.classes).toBe(48);
      expect(Math.abs(report.metrics.topK[1]! - ref.top1)).toBeLessThanOrEqual(ONE_IMAGE);
      expect(Math.abs(report.metrics.topK[5]! - ref.top5)).toBeLessThanOrEqual(ONE_IMAGE);
      expect(Math.abs(report.metrics.meanPerClassRecall - ref.mean_per_class_recall)).toBeLessThanOrEqual(
        ONE_IMAGE,
      );
      // Far above chance (1/48): a broken tokenizer or preprocessing lands near chance.
      expect(report.metrics.topK[1]).toBeGreaterThan(0.6);
    }
    const retrieval = await evaluateRetrieval(model, manifest, { images });
    for (const k of [1, 5, 10]) {
      expect(
        Math.abs(retrieval.metrics.textToImage[k]! - reference.retrieval[`t2i_r${k}`]!),
      ).toBeLessThanOrEqual(ONE_IMAGE);
      expect(
        Math.abs(retrieval.metrics.imageToText[k]! - reference.retrieval[`i2t_r${k}`]!),
      ).toBeLessThanOrEqual(ONE_IMAGE);
    }
  });
});
