/**
 * The checks the embedding-family parity tests share (tiny-altclip, tiny-mobileclip,
 * tiny-siglip2-fixres, tiny-jina-clip-*), against the `<name>.reference.json` their
 * tools/fixtures generators wrote from the PyTorch models: token ids, preprocessed pixels,
 * embeddings and logits.
 */
import { readFileSync } from "node:fs";
import type { Embeddings, ImagePreparer, Scoring } from "@clipkit/core";
import { afterAll, beforeAll, expect } from "vitest";
import type { ImageInput } from "../image/index.js";
import { cosineToRow, decodePixels, MODELS_DIR, type Reference, readReference } from "./fixtures.js";
import { loadClipModel } from "./load.js";

/** A text and the ids the reference tokenizer gave it. */
export interface GoldenText {
  readonly text: string;
  readonly ids: readonly number[];
}

/** A reference whose generator also tokenised a set of golden texts. */
export interface GoldenReference extends Reference {
  readonly golden: readonly GoldenText[];
}

/** One fixture folder and its reference: the prompts' texts and the images' paths, in reference order. */
export interface EmbeddingFixture<R extends GoldenReference> {
  readonly dir: string;
  readonly ref: R;
  readonly texts: string[];
  readonly images: string[];
}

export type LoadedModel = Awaited<ReturnType<typeof loadClipModel>>;

/** `fixtures/models/<name>` and its reference. */
export function embeddingFixture<R extends GoldenReference = GoldenReference>(
  name: string,
): EmbeddingFixture<R> {
  const ref = readReference(name) as R;
  return {
    dir: `${MODELS_DIR}${name}`,
    ref,
    texts: ref.texts.map((t) => t.text),
    images: ref.images.map((i) => `${MODELS_DIR}${i.file}`),
  };
}

/** Loads `dir` with loadClipModel before the enclosing describe's tests and releases it after them. */
export function useClipModel(dir: string): { readonly model: LoadedModel } {
  let model: LoadedModel | undefined;
  beforeAll(async () => {
    model = await loadClipModel(dir);
  });
  afterAll(async () => {
    await model?.release();
  });
  return {
    get model(): LoadedModel {
      if (model === undefined) throw new Error(`${dir} is not loaded`);
      return model;
    },
  };
}

/** The folder's preprocessor_config.json, parsed. */
export function readPreprocessorJson(dir: string): unknown {
  return JSON.parse(readFileSync(`${dir}/preprocessor_config.json`, "utf8")) as unknown;
}

/** Expects `encode` to give every case the reference ids (100 %, the count in the message). */
export function expectTokenIds(
  cases: readonly GoldenText[],
  encode: (texts: string[]) => readonly (readonly number[])[],
): void {
  const ours = encode(cases.map((t) => t.text));
  const equal = cases.filter((t, i) => JSON.stringify(ours[i]) === JSON.stringify(t.ids)).length;
  expect(equal).toBe(cases.length);
}

/**
 * Expects `prepare` to give the reference's pixels exactly (Δ = 0) for every image; returns each
 * image's plane for further checks.
 */
export async function expectPixels(
  prepare: ImagePreparer<ImageInput>,
  f: EmbeddingFixture<GoldenReference>,
): Promise<Float32Array[]> {
  const batch = await prepare(f.images);
  const plane = batch.data.length / f.images.length;
  return f.ref.images.map((r, i) => {
    const expected = decodePixels(r.pixels);
    const ours = batch.data.subarray(i * plane, (i + 1) * plane);
    expect(ours.length).toBe(expected.length);
    let maxDiff = 0;
    for (let k = 0; k < ours.length; k++) maxDiff = Math.max(maxDiff, Math.abs(ours[k]! - expected[k]!));
    expect(maxDiff).toBe(0);
    return ours;
  });
}

/**
 * Embeds the fixture's texts and images in batches of `batch.texts` / `batch.images` and expects
 * the reference width and every row at cosine ≥ 0.99999 to the reference embedding.
 */
export async function expectEmbeddings(
  model: LoadedModel,
  f: EmbeddingFixture<GoldenReference>,
  batch: { texts: number; images: number },
): Promise<{ texts: Embeddings; images: Embeddings }> {
  const texts = await model.embedTexts(f.texts, { batchSize: batch.texts });
  expect(texts.dim).toBe(f.ref.dim);
  for (const [i, r] of f.ref.texts.entries()) {
    expect(cosineToRow(texts.data, texts.dim, i, r.embedding)).toBeGreaterThanOrEqual(0.99999);
  }
  const images = await model.embedImages(f.images, { batchSize: batch.images });
  for (const [i, r] of f.ref.images.entries()) {
    expect(cosineToRow(images.data, images.dim, i, r.embedding)).toBeGreaterThanOrEqual(0.99999);
  }
  return { texts, images };
}

/**
 * Expects `logitScale · cos (+ logitBias for sigmoid scoring)` of every image/text pair to match
 * the reference `logits_per_image` to 1e-3 relative (absolute below 1).
 */
export function expectLogitsPerImage(
  images: Embeddings,
  texts: Embeddings,
  scoring: Scoring,
  want: readonly (readonly number[])[],
): void {
  for (let i = 0; i < images.count; i++) {
    for (let j = 0; j < texts.count; j++) {
      let cos = 0;
      for (let k = 0; k < texts.dim; k++)
        cos += images.data[i * texts.dim + k]! * texts.data[j * texts.dim + k]!;
      const logit = scoring.logitScale * cos + (scoring.kind === "sigmoid" ? scoring.logitBias : 0);
      expect(Math.abs(logit - want[i]![j]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(logit)));
    }
  }
}
