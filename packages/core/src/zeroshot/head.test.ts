import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalize } from "../math/vector.js";
import { expectClipkitRejection } from "../testing.js";
import { buildZeroShotHead } from "./head.js";
import { FakeTextEmbedder, fakeEmbed } from "./test-fakes.js";

const DIM = 16;

describe("buildZeroShotHead", () => {
  it("with one template equals the plain normalised text embedding", async () => {
    const embedder = new FakeTextEmbedder(DIM);
    const head = await buildZeroShotHead(embedder, {
      labels: ["cat", "dog"],
      templates: ["a photo of a {}."],
    });
    expect(head.labels).toEqual(["cat", "dog"]);
    for (const [i, label] of ["cat", "dog"].entries()) {
      const expected = normalize(fakeEmbed(`a photo of a ${label}.`, DIM));
      const got = head.weights.subarray(i * DIM, (i + 1) * DIM);
      for (let k = 0; k < DIM; k++) expect(got[k]).toBeCloseTo(expected[k]!, 6);
    }
  });

  it("matches a hand-computed normalise → mean → renormalise ensemble", async () => {
    const templates = ["a photo of a {}.", "a drawing of the {}.", "itap of a {}."];
    const head = await buildZeroShotHead(new FakeTextEmbedder(DIM), { labels: ["fox"], templates });
    const acc = new Float64Array(DIM);
    for (const t of templates) {
      const u = normalize(fakeEmbed(t.replace("{}", "fox"), DIM));
      for (let k = 0; k < DIM; k++) acc[k]! += u[k]!;
    }
    const expected = normalize(acc);
    for (let k = 0; k < DIM; k++) expect(head.weights[k]).toBeCloseTo(expected[k]!, 6);
  });

  it("is invariant to prompt order within a class (property)", async () => {
    const word = fc.constantFrom(
      "photo",
      "sketch",
      "small",
      "large",
      "blurry",
      "dark",
      "art",
      "toy",
      "the",
      "a",
    );
    const template = fc.array(word, { minLength: 1, maxLength: 4 }).map((ws) => `${ws.join(" ")} {}`);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(template, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        async (ts, seed) => {
          const shuffled = [...ts].sort(
            (a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7),
          );
          const a = await buildZeroShotHead(new FakeTextEmbedder(DIM), { labels: ["owl"], templates: ts });
          const b = await buildZeroShotHead(new FakeTextEmbedder(DIM), {
            labels: ["owl"],
            templates: shuffled,
          });
          for (let k = 0; k < DIM; k++) expect(Math.abs(a.weights[k]! - b.weights[k]!)).toBeLessThan(1e-6);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("gives the same weights whatever the chunk size (property)", async () => {
    const labels = ["cat", "dog", "owl", "fox", "eel"];
    const templates = ["a photo of a {}.", "a {} in the wild.", "art of the {}."];
    const reference = await buildZeroShotHead(
      new FakeTextEmbedder(DIM),
      { labels, templates },
      { chunkSize: 1000 },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), async (chunkSize) => {
        const head = await buildZeroShotHead(new FakeTextEmbedder(DIM), { labels, templates }, { chunkSize });
        expect(Array.from(head.weights)).toEqual(Array.from(reference.weights));
      }),
      { numRuns: 20 },
    );
  });

  it("encodes each distinct text once, in chunks, reporting progress", async () => {
    const embedder = new FakeTextEmbedder(DIM);
    const progress: [number, number][] = [];
    // "a red fruit" is shared by two classes; the per-class map form writes prompts in full.
    const head = await buildZeroShotHead(
      embedder,
      { apple: ["a photo of an apple", "a red fruit"], cherry: ["a photo of a cherry", "a red fruit"] },
      { chunkSize: 2, onProgress: (d, t) => progress.push([d, t]) },
    );
    const sent = embedder.calls.flat();
    expect(sent.sort()).toEqual(["a photo of a cherry", "a photo of an apple", "a red fruit"]);
    expect(embedder.calls.map((c) => c.length)).toEqual([2, 1]);
    expect(progress).toEqual([
      [0, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(head.size).toBe(2);
  });

  it("handles a 1000-class × 80-template head, encoding 80,000 texts once", async () => {
    const embedder = new FakeTextEmbedder(8);
    const labels = Array.from({ length: 1000 }, (_, i) => `class${i}`);
    const templates = Array.from({ length: 80 }, (_, i) => `template${i} {}`);
    const head = await buildZeroShotHead(embedder, { labels, templates }, { chunkSize: 4096 });
    expect(head.weights.length).toBe(8000);
    expect(embedder.calls.reduce((n, c) => n + c.length, 0)).toBe(80_000);
  });

  it("stops with ABORTED when the signal fires", async () => {
    const controller = new AbortController();
    const labels = ["a", "b", "c", "d"];
    const run = buildZeroShotHead(
      new FakeTextEmbedder(DIM),
      { labels, templates: ["x {}"] },
      { chunkSize: 1, signal: controller.signal, onProgress: (done) => done === 2 && controller.abort() },
    );
    await expectClipkitRejection(run, "ABORTED");
  });

  it("rejects bad classes with typed errors", async () => {
    const e = new FakeTextEmbedder(DIM);
    await expectClipkitRejection(buildZeroShotHead(e, { labels: [], templates: ["{}"] }), "INVALID_ARGUMENT");
    await expectClipkitRejection(buildZeroShotHead(e, {}), "INVALID_ARGUMENT");
    await expectClipkitRejection(
      buildZeroShotHead(e, { labels: ["cat", "cat"], templates: ["{}"] }),
      "PROMPT_INVALID",
    );
    await expectClipkitRejection(
      buildZeroShotHead(e, { labels: ["cat"], templates: ["a photo"] }),
      "PROMPT_INVALID",
    );
    await expectClipkitRejection(buildZeroShotHead(e, { labels: ["cat"], templates: [] }), "PROMPT_INVALID");
    await expectClipkitRejection(
      buildZeroShotHead(e, { labels: [" "], templates: ["{}"] }),
      "PROMPT_INVALID",
    );
    await expectClipkitRejection(buildZeroShotHead(e, { cat: [] }), "PROMPT_INVALID");
    await expectClipkitRejection(buildZeroShotHead(e, [{ label: "cat", prompts: [""] }]), "PROMPT_INVALID");
  });
});
