import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ImageInput, loadClipModel } from "@clipkit/backend-node";
import type { LoadedClipModel } from "@clipkit/core";
import { buildZeroShotHead, normalize, sigmoid } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Parity of the zero-shot head on the fixture models against reference values from the PyTorch
// implementation (tools/fixtures/clip/generate.py): per-text embeddings and image × text logits.

const FIXTURES = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));

interface Reference {
  scoring: { kind: "softmax" | "sigmoid"; logitScale: number; logitBias?: number };
  texts: { text: string; embedding: number[] }[];
  images: { file: string; embedding: number[] }[];
  logitsPerImage: number[][];
}

function reference(name: string): Reference {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.reference.json`), "utf8"));
}

/** Hand-computed open_clip ensemble in float64: normalise each, average, renormalise. */
function handEnsemble(rows: number[][]): Float32Array {
  const acc = new Float64Array(rows[0]!.length);
  for (const r of rows) {
    const u = normalize(r);
    for (let k = 0; k < u.length; k++) acc[k]! += u[k]!;
  }
  return normalize(acc);
}

for (const name of ["tiny-clip", "tiny-siglip"] as const) {
  describe(`zero-shot head parity on ${name}`, () => {
    const ref = reference(name);
    // The empty text is not a valid prompt; keep the reference index of every other text.
    const usable = ref.texts.map((t, j) => ({ ...t, j })).filter((t) => t.text.trim() !== "");
    let model: LoadedClipModel<ImageInput>;
    beforeAll(async () => {
      model = await loadClipModel(join(FIXTURES, name));
    });
    afterAll(async () => {
      await model?.release();
    });

    it("class weights equal the reference text embeddings, normalised, and ensembles the hand-computed mean", async () => {
      const classes: Record<string, string[]> = Object.fromEntries(usable.map((t) => [`t${t.j}`, [t.text]]));
      classes.ensemble = [usable[0]!.text, usable[1]!.text, usable[2]!.text];
      const head = await buildZeroShotHead(model, classes);
      const dim = head.space.dim;
      usable.forEach((t, i) => {
        const expected = normalize(t.embedding);
        const got = head.weights.subarray(i * dim, (i + 1) * dim);
        for (let k = 0; k < dim; k++) expect(Math.abs(got[k]! - expected[k]!)).toBeLessThan(2e-4);
      });
      const expected = handEnsemble(usable.slice(0, 3).map((t) => t.embedding));
      const got = head.weights.subarray(usable.length * dim);
      for (let k = 0; k < dim; k++) expect(Math.abs(got[k]! - expected[k]!)).toBeLessThan(2e-4);
    });

    it("logits and scores of real images match the reference logits", async () => {
      const head = await buildZeroShotHead(
        model,
        Object.fromEntries(usable.map((t) => [`t${t.j}`, [t.text]])),
      );
      const files = ref.images.map((im) => join(FIXTURES, im.file));
      const results = await head.classifyImages(model, files, { topK: usable.length });
      results.forEach((r, i) => {
        const refLogits = usable.map((t) => ref.logitsPerImage[i]![t.j]!);
        for (const c of r.top) {
          const expectedLogit = refLogits[c.index]!;
          expect(Math.abs(c.logit - expectedLogit)).toBeLessThan(0.05);
          if (ref.scoring.kind === "sigmoid") expect(c.score).toBeCloseTo(sigmoid(expectedLogit), 3);
        }
        if (ref.scoring.kind === "softmax") {
          // The softmax over the reference logits ranks the same label first.
          const best = refLogits.indexOf(Math.max(...refLogits));
          expect(r.top[0]!.index).toBe(best);
        }
      });
    });
  });
}
