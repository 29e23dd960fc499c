import {
  concatEmbeddings,
  isClipkitError,
  matryoshkaSpaceId,
  parseJinaClipPreprocess,
  similarity,
} from "@clipkit/core";
import { afterAll, describe, expect, it } from "vitest";
import { cosineToRow } from "./fixtures.js";
import {
  embeddingFixture,
  expectEmbeddings,
  expectPixels,
  expectTokenIds,
  type GoldenReference,
  type LoadedModel,
  readPreprocessorJson,
  useClipModel,
} from "./golden-cases.js";
import { loadClipModel } from "./load.js";
import { nodeImagePreparer } from "./prepare.js";

// Stand-ins in jina-clip's published ONNX layout (tools/fixtures/jina_clip/generate.py): the
// parity covers layout, tensor names, tokenizer, preprocessing and Matryoshka truncation; the
// towers are transformers/timm modules, not jina's remote-code classes.
interface JinaReference extends GoldenReference {
  readonly matryoshka?: Record<string, { texts: number[][]; images: number[][] }>;
}

describe.each([
  ["tiny-jina-clip-v1", "split"],
  ["tiny-jina-clip-v2", "combined"],
] as const)("%s: jina-clip ONNX layout parity", (name, layout) => {
  const f = embeddingFixture<JinaReference>(name);
  const m = useClipModel(f.dir);

  it(`binds the ${layout} layout by jina's tensor names, softmax scoring from the config`, () => {
    expect(m.model.layout.kind).toBe(layout);
    expect(m.model.layout.config.family).toBe("jina_clip");
    expect(m.model.scoringSource).toBe("config");
    expect(m.model.scoring.kind).toBe("softmax");
    expect(m.model.space.dim).toBe(f.ref.dim);
  });

  it("tokenises as the folder's transformers tokenizer (100 % of prompts and golden texts)", () => {
    expectTokenIds([...f.ref.texts, ...f.ref.golden], (texts) =>
      texts.map((t) => m.model.tokenizer.encode(t, { truncation: true, maxLength: 128 })),
    );
  });

  it("preprocesses as JinaCLIPImageProcessor / open_clip image_transform (Δ = 0)", async () => {
    await expectPixels(nodeImagePreparer(parseJinaClipPreprocess(readPreprocessorJson(f.dir))), f);
  });

  it("embeds texts (padded batches, mask from pad ids) and images as the PyTorch modules (cos ≥ 0.99999)", async () => {
    await expectEmbeddings(m.model, f, { texts: 4, images: 3 });
  });
});

describe("tiny-jina-clip-v2: Matryoshka dimensions", () => {
  const { dir, ref, texts, images } = embeddingFixture<JinaReference>("tiny-jina-clip-v2");
  const models: LoadedModel[] = [];
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
