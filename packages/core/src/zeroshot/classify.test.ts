import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEmbeddings } from "../embeddings.js";
import { sigmoid } from "../math/softmax.js";
import { expectClipkitError } from "../testing.js";
import { buildZeroShotHead, ZeroShotHead } from "./head.js";
import { FakeImageEmbedder, FakeTextEmbedder } from "./test-fakes.js";

const DIM = 64;
const SIGLIP = { kind: "sigmoid", logitScale: 117.33, logitBias: -12.93 } as const;

/** Embeds raw (unnormalised) coordinates in the head's space; classify normalises them. */
function raw(head: ZeroShotHead, ...values: number[]) {
  return createEmbeddings(Float32Array.from(values), 1, { ...head.space, normalized: false });
}

/** A head with hand-set orthonormal class rows, so cosines are exactly the image coordinates. */
function axisHead(labels: string[], scoring = SIGLIP as ZeroShotHead["scoring"]): ZeroShotHead {
  const dim = labels.length + 1;
  const weights = new Float32Array(labels.length * dim);
  labels.forEach((_, i) => {
    weights[i * dim + i] = 1;
  });
  return new ZeroShotHead({
    labels,
    weights,
    space: { id: "axes", dim, normalized: true },
    scoring,
    promptsHash: "x",
  });
}

describe("ZeroShotHead.classify", () => {
  it("ranks the class whose prompts share the image's words first", async () => {
    const text = new FakeTextEmbedder(DIM);
    const labels = ["cat", "dog", "tractor"];
    const head = await buildZeroShotHead(text, { labels, templates: ["a photo of a {}.", "a {}."] });
    const images = new FakeImageEmbedder(text.space);
    const results = await head.classifyImages(images, ["cat", "tractor", "dog"], { topK: 3 });
    expect(results.map((r) => r.top[0]!.label)).toEqual(["cat", "tractor", "dog"]);
    for (const r of results) {
      // softmax over all classes sums to 1, sorted best first, logit = 100 · cosine
      expect(r.top.reduce((s, c) => s + c.score, 0)).toBeCloseTo(1, 5);
      expect(r.top[0]!.score).toBeGreaterThanOrEqual(r.top[1]!.score);
      for (const c of r.top) expect(c.logit).toBeCloseTo(100 * c.cosine, 4);
    }
  });

  it("under softmax a single label always scores 1.0 — the cosine view does not", async () => {
    const text = new FakeTextEmbedder(DIM);
    const head = await buildZeroShotHead(text, { labels: ["cat"], templates: ["a photo of a {}."] });
    const emb = await new FakeImageEmbedder(text.space).embedImages(["spaceship engine"]);
    const [softmax] = head.classify(emb);
    expect(softmax!.top[0]!.score).toBe(1);
    const [cosine] = head.classify(emb, { mode: "cosine" });
    expect(cosine!.top[0]!.score).toBeLessThan(0.5);
    expect(cosine!.top[0]!.score).toBe(softmax!.top[0]!.cosine);
  });

  it("SigLIP sigmoid scores are σ(scale·cos + bias), independent of the other classes (property)", () => {
    const head = axisHead(["a", "b", "c"]);
    const alone = new ZeroShotHead({
      ...head,
      labels: ["a"],
      weights: head.weights.slice(0, head.space.dim),
    });
    const coord = fc.float({ min: -1, max: 1, noNaN: true });
    fc.assert(
      fc.property(fc.tuple(coord, coord, coord), ([x, y, z]) => {
        const emb = raw(head, x, y, z, 1);
        const [r] = head.classify(emb, { topK: 3 });
        const norm = Math.hypot(x, y, z, 1);
        for (const c of r!.top) {
          const cos = [x, y, z][c.index]! / norm;
          expect(c.cosine).toBeCloseTo(cos, 5);
          expect(c.logit).toBeCloseTo(SIGLIP.logitScale * cos + SIGLIP.logitBias, 2);
          expect(c.score).toBeCloseTo(sigmoid(c.logit), 6);
        }
        // Dropping the other classes leaves class a's probability unchanged (softmax would not).
        const a = r!.top.find((c) => c.index === 0)!;
        expect(alone.classify(emb)[0]!.top[0]!.score).toBe(a.score);
      }),
    );
  });

  it("multi-label thresholds keep every class above its threshold", () => {
    const head = axisHead(["cat", "dog", "car"]);
    // cosines 0.6, 0.6, 0 (the last coordinate makes the row unit length)
    const emb = createEmbeddings(Float32Array.of(0.6, 0.6, 0, Math.sqrt(1 - 0.72)), 1, head.space);
    const [r] = head.classify(emb, { threshold: 0.5 });
    expect(r!.top.map((c) => c.label)).toEqual(["cat", "dog"]);
    const [r2] = head.classify(emb, { mode: "cosine", threshold: 0.5, classThresholds: { dog: 0.61 } });
    expect(r2!.top.map((c) => c.label)).toEqual(["cat"]);
    const [r3] = head.classify(emb, { mode: "cosine", threshold: 0.59 });
    expect(r3!.top.map((c) => c.label)).toEqual(["cat", "dog"]);
  });

  it("rejects thresholds on softmax, sigmoid without a bias, bad topK and unknown threshold labels", () => {
    const clip = axisHead(["cat", "dog"], { kind: "softmax", logitScale: 100 });
    const emb = createEmbeddings(Float32Array.of(1, 0, 0), 1, clip.space);
    expectClipkitError(() => clip.classify(emb, { threshold: 0.5 }), "INVALID_ARGUMENT");
    expectClipkitError(() => clip.classify(emb, { mode: "sigmoid" }), "INVALID_ARGUMENT");
    expect(clip.classify(emb, { mode: "sigmoid", logitBias: -10 })[0]!.top[0]!.score).toBeCloseTo(
      sigmoid(90),
      6,
    );
    expectClipkitError(() => clip.classify(emb, { topK: 0 }), "INVALID_ARGUMENT");
    expectClipkitError(
      () => clip.classify(emb, { mode: "cosine", classThresholds: { cow: 0.1 } }),
      "INVALID_ARGUMENT",
    );
  });

  it("refuses embeddings from another model space", async () => {
    const head = await buildZeroShotHead(new FakeTextEmbedder(DIM), { labels: ["cat"], templates: ["{}"] });
    const other = createEmbeddings(new Float32Array(DIM).fill(1), 1, {
      id: "other-model",
      dim: DIM,
      normalized: true,
    });
    expectClipkitError(() => head.classify(other), "SPACE_MISMATCH");
    const wider = createEmbeddings(new Float32Array(DIM + 1).fill(1), 1, { ...head.space, dim: DIM + 1 });
    expectClipkitError(() => head.classify(wider), "SPACE_MISMATCH");
  });
});

describe("out-of-domain signal", () => {
  const clip = { kind: "softmax", logitScale: 100 } as const;

  it("flags a low best cosine and a flat distribution", () => {
    const head = axisHead(["a", "b", "c"], clip);
    const far = raw(head, 0.1, 0.1, 0.1, 1);
    const [r] = head.classify(far);
    expect(r!.ood.flagged).toBe(true);
    expect(r!.ood.reasons).toContain("low-cosine");
    expect(r!.ood.reasons).toContain("flat-distribution");
    expect(r!.ood.entropy).toBeCloseTo(1, 6);
    expect(r!.ood.margin).toBeCloseTo(0, 6);
  });

  it("does not flag a clear match, and thresholds are configurable", () => {
    const head = axisHead(["a", "b", "c"], clip);
    const near = raw(head, 0.9, 0.1, 0, 0.3);
    const [r] = head.classify(near);
    expect(r!.ood).toMatchObject({ flagged: false, reasons: [] });
    expect(r!.ood.bestCosine).toBeCloseTo(0.9 / Math.hypot(0.9, 0.1, 0.3), 6);
    const [strict] = head.classify(near, { ood: { minCosine: 0.95 } });
    expect(strict!.ood.reasons).toEqual(["low-cosine"]);
  });

  it("uses the 1 % sigmoid point as SigLIP's default cosine floor", () => {
    const head = axisHead(["a"], SIGLIP);
    const floor = (Math.log(0.01 / 0.99) - SIGLIP.logitBias) / SIGLIP.logitScale;
    const just = (c: number) => createEmbeddings(Float32Array.of(c, Math.sqrt(1 - c * c)), 1, head.space);
    expect(head.classify(just(floor + 0.01))[0]!.ood.flagged).toBe(false);
    expect(head.classify(just(floor - 0.01))[0]!.ood.reasons).toEqual(["low-cosine"]);
  });
});
