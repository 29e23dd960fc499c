import { readFileSync } from "node:fs";
import {
  concatEmbeddings,
  isClipkitError,
  matryoshkaSpaceId,
  parseJinaClipPreprocess,
  similarity,
} from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosineToRow, decodePixels, MODELS_DIR, type Reference, readReference } from "./fixtures.js";
import { loadClipModel } from "./load.js";
import { nodeImagePreparer } from "./prepare.js";

// Stand-ins in jina-clip's published ONNX layout (tools/fixtures/jina_clip/generate.py): the
// parity covers layout, tensor names, tokenizer, preprocessing and Matryoshka truncation; the
// towers are transformers/timm modules, not jina's remote-code classes.
interface JinaReference extends Reference {
  readonly golden: ReadonlyArray<{ text: string; ids: number[] }>;
  readonly matryoshka?: Record<string, { texts: number[][]; images: number[][] }>;
}

type Model = Awaited<ReturnType<typeof loadClipModel>>;

describe.each([
  ["tiny-jina-clip-v1", "split"],
  ["tiny-jina-clip-v2", "combined"],
] as const)("%s: jina-clip ONNX layout parity", (name, layout) => {
  const dir = `${MODELS_DIR}${name}`;
  const ref = readReference(name) as JinaReference;
  const texts = ref.texts.map((t) => t.text);
  const images = ref.images.map((i) => `${MODELS_DIR}${i.file}`);
  let model: Model;
  beforeAll(async () => {
    model = await loadClipModel(dir);
  });
  afterAll(async () => {
    await model.release();
  });

  it(`binds the ${layout} layout by jina's tensor names, softmax scoring from the config`, () => {
    expect(model.layout.kind).toBe(layout);
    expect(model.layout.config.family).toBe("jina_clip");
    expect(model.scoringSource).toBe("config");
    expect(model.scoring.kind).toBe("softmax");
    expect(model.space.dim).toBe(ref.dim);
  });

  it("tokenises as the folder's transformers tokenizer (100 % of prompts and golden texts)", () => {
    const all = [...ref.texts, ...ref.golden];
    const ours = all.map((t) => model.tokenizer.encode(t.text, { truncation: true, maxLength: 128 }));
    const equal = all.filter((t, i) => JSON.stringify(ours[i]) === JSON.stringify(t.ids)).length;
    expect(equal).toBe(all.length);
  });

  it("preprocesses as JinaCLIPImageProcessor / open_clip image_transform (Δ = 0)", async () => {
    const json = JSON.parse(readFileSync(`${dir}/preprocessor_config.json`, "utf8")) as unknown;
    const batch = await nodeImagePreparer(parseJinaClipPreprocess(json))(images);
    const plane = batch.data.length / images.length;
    for (const [i, r] of ref.images.entries()) {
      const expected = decodePixels(r.pixels);
      const ours = batch.data.subarray(i * plane, (i + 1) * plane);
      expect(ours.length).toBe(expected.length);
      let maxDiff = 0;
      for (let k = 0; k < ours.length; k++) maxDiff = Math.max(maxDiff, Math.abs(ours[k]! - expected[k]!));
      expect(maxDiff).toBe(0);
    }
  });

  it("embeds texts (padded batches, mask from pad ids) and images as the PyTorch modules (cos ≥ 0.99999)", async () => {
    const t = await model.embedTexts(texts, { batchSize: 4 });
    for (const [i, r] of ref.texts.entries()) {
      expect(cosineToRow(t.data, t.dim, i, r.embedding)).toBeGreaterThanOrEqual(0.99999);
    }
    const im = await model.embedImages(images, { batchSize: 3 });
    for (const [i, r] of ref.images.entries()) {
      expect(cosineToRow(im.data, im.dim, i, r.embedding)).toBeGreaterThanOrEqual(0.99999);
    }
  });
});

describe("tiny-jina-clip-v2: Matryoshka dimensions", () => {
  const name = "tiny-jina-clip-v2";
  const dir = `${MODELS_DIR}${name}`;
  const ref = readReference(name) as JinaReference;
  const texts = ref.texts.map((t) => t.text);
  const images = ref.images.map((i) => `${MODELS_DIR}${i.file}`);
  const models: Model[] = [];
  afterAll(async () => {
    await Promise.all(models.map((m) => m.release()));
  });

  it.each([8, 16])(
    "dimensions %i: truncate then re-normalise, as F.normalize(emb[:, :d]) (cos ≥ 0.99999)",
    async (d) => {
      const model = await loadClipModel(dir, { dimensions: d });
      models.push(model);
      const full = await loadClipModel(dir);
      models.push(full);
      expect(model.space.dim).toBe(d);
      expect(model.space.id).toBe(matryoshkaSpaceId(full.space.id, d));
      const expected = ref.matryoshka![String(d)]!;
      const t = await model.embedTexts(texts);
      const im = await model.embedImages(images);
      expect(t.dim).toBe(d);
      for (const [i, row] of expected.texts.entries()) {
        expect(cosineToRow(t.data, d, i, row)).toBeGreaterThanOrEqual(0.99999);
        let norm = 0;
        for (let k = 0; k < d; k++) norm += t.data[i * d + k]! ** 2;
        expect(norm).toBeCloseTo(1, 5);
      }
      for (const [i, row] of expected.images.entries()) {
        expect(cosineToRow(im.data, d, i, row)).toBeGreaterThanOrEqual(0.99999);
      }
      // Truncated and full vectors never meet: SPACE_MISMATCH, not a silent wrong score.
      const fullTexts = await full.embedTexts(texts);
      for (const mix of [() => similarity(t, fullTexts), () => concatEmbeddings([fullTexts, t])]) {
        try {
          mix();
          expect.unreachable("mixing truncated and full vectors must fail");
        } catch (error) {
          expect(isClipkitError(error, "SPACE_MISMATCH")).toBe(true);
        }
      }
    },
  );

  it("the full width keeps the model's own space; widths outside matryoshka_dimensions are refused", async () => {
    const full = await loadClipModel(dir, { dimensions: 32 });
    models.push(full);
    expect(full.space.id).not.toContain("#d");
    for (const bad of [12, 0, 64, 2.5]) {
      await expect(loadClipModel(dir, { dimensions: bad })).rejects.toSatisfy((e: unknown) =>
        isClipkitError(e, "INVALID_ARGUMENT"),
      );
    }
  });
});
