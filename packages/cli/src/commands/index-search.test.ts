import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../util/test-io.js";

const FIXTURES = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
const CLIP = join(FIXTURES, "tiny-clip");
const NAMES = ["gradient.png", "gray.png", "noise.png", "shapes.png"];

let dir: string;
let photos: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-gallery-"));
  photos = join(dir, "photos");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(join(photos, "sub"), { recursive: true });
  for (const n of NAMES.slice(0, 3)) await copyFile(join(FIXTURES, "images", n), join(photos, n));
  await copyFile(join(FIXTURES, "images", "shapes.png"), join(photos, "sub", "shapes.png"));
  await writeFile(join(photos, "broken.png"), "this is not a png");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Report {
  size: number;
  added: number;
  removed: number;
  unchanged: number;
  failed: { path: string; code: string }[];
}
interface Results {
  results: { id: string; score: number; metadata: { path?: string; text?: string } }[];
}

describe("clipkit index / search / index-texts", () => {
  const out = () => join(dir, "gallery.ckidx");

  it("indexes a folder, skipping an undecodable file with a report", async () => {
    const r = await run(["index", photos, "--model", CLIP, "--out", out(), "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report).toMatchObject({ size: 4, added: 4, removed: 0, unchanged: 0 });
    expect(report.failed.map((f) => [f.path.endsWith("broken.png"), f.code])).toEqual([
      [true, "IMAGE_DECODE_FAILED"],
    ]);
    expect(r.stderr).toContain("skipped");
  });

  it("searches by text (k larger than the gallery) and by image (the image itself ranks first)", async () => {
    const t = await run(["search", "a colourful gradient", "--index", out(), "--model", CLIP, "--json"]);
    expect(t.code).toBe(0);
    const byText = JSON.parse(t.stdout) as Results;
    expect(byText.results).toHaveLength(4);
    const scores = byText.results.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const query = join(FIXTURES, "images", "noise.png");
    const i = await run([
      "search",
      "--image",
      query,
      "--index",
      out(),
      "--model",
      CLIP,
      "--k",
      "2",
      "--json",
    ]);
    const byImage = JSON.parse(i.stdout) as Results;
    expect(byImage.results).toHaveLength(2);
    expect(byImage.results[0]!.metadata.path).toBe(join(photos, "noise.png"));
    expect(byImage.results[0]!.score).toBeCloseTo(1, 4);
    const plain = await run(["search", "--image", query, "--index", out(), "--model", CLIP, "--k", "1"]);
    expect(plain.stdout).toMatch(/^ {2}1 {2}1\.0000 {2}.*noise\.png\n$/);
  });

  it("refuses to search an index with another model's space, naming the file and --model", async () => {
    // No --model: the bundled emoji model (128-d) against the tiny-clip index (32-d).
    const r = await run(["search", "a colourful gradient", "--index", out()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`error [SPACE_MISMATCH]: ${out()} was built in clipkit/tiny-clip@`);
    expect(r.stderr).toContain("pass the --model that built it, or re-index with this one");
  });

  it("re-runs incrementally: unchanged files are skipped, deleted and edited ones updated", async () => {
    const again = JSON.parse(
      (await run(["index", photos, "--model", CLIP, "--out", out(), "--json"])).stdout,
    ) as Report;
    expect(again).toMatchObject({ size: 4, added: 0, removed: 0, unchanged: 4 });
    await rm(join(photos, "gray.png"));
    await copyFile(join(FIXTURES, "images", "shapes.png"), join(photos, "gradient.png")); // edited content
    const r = await run(["index", join(photos, "**/*.png"), "--model", CLIP, "--out", out(), "--json"]);
    const report = JSON.parse(r.stdout) as Report;
    // gradient.png now has shapes.png's content, which is already indexed: the gradient and gray entries go.
    expect(report).toMatchObject({ size: 2, added: 0, removed: 2, unchanged: 2 });
  });

  it("shows count, rate and ETA on a terminal", async () => {
    const fresh = join(dir, "fresh.ckidx");
    const r = await run(["index", photos, "--model", CLIP, "--out", fresh, "--batch-size", "1"], {
      stderrIsTTY: true,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\d+\/\d+ images [\d.]+\/s ETA \d+:\d\d/);
  });

  it("index-texts + search --image: image → caption", async () => {
    const captions = join(dir, "captions.txt");
    await writeFile(captions, "# captions\nrandom noise\na grey square\nred and blue shapes\n");
    const idx = join(dir, "captions.ckidx");
    const built = await run(["index-texts", captions, "--model", CLIP, "--out", idx]);
    expect(built.code).toBe(0);
    expect(built.stdout).toContain("3 captions (3 added");
    const r = await run([
      "search",
      "--image",
      join(FIXTURES, "images", "noise.png"),
      "--index",
      idx,
      "--model",
      CLIP,
      "--json",
    ]);
    const hits = (JSON.parse(r.stdout) as Results).results;
    expect(hits.map((h) => h.metadata.text).sort()).toEqual([
      "a grey square",
      "random noise",
      "red and blue shapes",
    ]);
    await writeFile(captions, "random noise\n");
    expect((await run(["index-texts", captions, "--model", CLIP, "--out", idx])).stdout).toContain(
      "1 captions (0 added, 2 removed",
    );
  });

  it("reports a damaged index as INDEX_CORRUPT and a missing one as NOT_FOUND", async () => {
    const bytes = await readFile(out());
    const bad = join(dir, "bad.ckidx");
    await writeFile(bad, bytes.subarray(0, bytes.length - 7));
    const r = await run(["search", "x", "--index", bad, "--model", CLIP]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[INDEX_CORRUPT]");
    const m = await run(["search", "x", "--index", join(dir, "nope.ckidx"), "--model", CLIP]);
    expect(m.stderr).toContain("[NOT_FOUND]");
  });
});

describe("clipkit index --ann / search over an HNSW (usearch) index", () => {
  let gallery: string;
  const ann = () => join(dir, "gallery-ann.ckidx");
  const flat = () => join(dir, "gallery-flat.ckidx");
  beforeAll(async () => {
    gallery = join(dir, "ann-photos");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(gallery, { recursive: true });
    for (const n of NAMES) await copyFile(join(FIXTURES, "images", n), join(gallery, n));
    await writeFile(join(gallery, "broken.png"), "this is not a png");
  });
  const searchJson = async (index: string, ...query: string[]) => {
    const r = await run(["search", ...query, "--index", index, "--model", CLIP, "--json"]);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Results & { kind: string };
  };

  it("builds an HNSW index with --ann (and an exact one alongside)", async () => {
    const r = await run([
      "index",
      gallery,
      "--model",
      CLIP,
      "--out",
      ann(),
      "--ann",
      "--connectivity",
      "8",
      "--ef",
      "32",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report & { kind: string };
    expect(report).toMatchObject({ kind: "usearch", size: 4, added: 4, removed: 0, unchanged: 0 });
    expect(report.failed.map((f) => f.code)).toEqual(["IMAGE_DECODE_FAILED"]);
    const f = await run(["index", gallery, "--model", CLIP, "--out", flat(), "--json"]);
    expect(JSON.parse(f.stdout)).toMatchObject({ kind: "flat", size: 4 });
    const plain = await run(["index", gallery, "--model", CLIP, "--out", ann()]);
    expect(plain.stdout).toContain("4 images in an HNSW index (0 added");
    const { loadUsearchIndexFile } = await import("@clipkit/backend-node");
    expect((await loadUsearchIndexFile(ann())).options).toMatchObject({
      connectivity: 8,
      expansionSearch: 32,
    });
    // --ef is a run-time setting: a re-run may change it, and the new value is stored.
    expect((await run(["index", gallery, "--model", CLIP, "--out", ann(), "--ann", "--ef", "40"])).code).toBe(
      0,
    );
    expect((await loadUsearchIndexFile(ann())).options).toMatchObject({
      connectivity: 8,
      expansionSearch: 40,
    });
  });

  it("search detects the kind and agrees with the exact index, by text and by image", async () => {
    for (const query of [["a colourful gradient"], ["--image", join(FIXTURES, "images", "shapes.png")]]) {
      const a = await searchJson(ann(), ...query);
      const e = await searchJson(flat(), ...query);
      expect([a.kind, e.kind]).toEqual(["usearch", "flat"]);
      // Four items: HNSW finds them all, so the whole ranking matches the exact scan.
      expect(a.results.map((h) => h.id)).toEqual(e.results.map((h) => h.id));
      for (const [i, h] of a.results.entries()) expect(h.score).toBeCloseTo(e.results[i]!.score, 4);
    }
    const byImage = await searchJson(ann(), "--image", join(FIXTURES, "images", "noise.png"), "--ef", "200");
    expect(byImage.results[0]!.metadata.path).toBe(join(gallery, "noise.png"));
    expect(byImage.results[0]!.score).toBeCloseTo(1, 4);
    const filtered = await searchJson(ann(), "x", "--filter", `path=${join(gallery, "gray.png")}`);
    expect(filtered.results.map((h) => h.metadata.path)).toEqual([join(gallery, "gray.png")]);
    const note = await run(["search", "x", "--index", flat(), "--model", CLIP, "--ef", "10"]);
    expect(note.stderr).toContain("--ef ignored");
  });

  it("re-runs incrementally without --ann: the file keeps its kind, deleted/edited files are updated", async () => {
    await rm(join(gallery, "gray.png"));
    await copyFile(join(FIXTURES, "images", "shapes.png"), join(gallery, "gradient.png"));
    await copyFile(join(FIXTURES, "images", "gray.png"), join(gallery, "gray-again.png"));
    const r = await run(["index", gallery, "--model", CLIP, "--out", ann(), "--json"]);
    const report = JSON.parse(r.stdout) as Report & { kind: string };
    // gray.png's content is back under another name: kept; gradient's content is gone.
    expect(report).toMatchObject({ kind: "usearch", size: 3, added: 0, removed: 1, unchanged: 3 });
    await copyFile(join(FIXTURES, "images", "gradient.png"), join(gallery, "gradient-new.png"));
    const again = JSON.parse(
      (await run(["index", gallery, "--model", CLIP, "--out", ann(), "--json"])).stdout,
    );
    expect(again).toMatchObject({ size: 4, added: 1, removed: 0, unchanged: 3 });
    const hits = await searchJson(ann(), "--image", join(FIXTURES, "images", "gradient.png"), "--k", "1");
    expect(hits.results[0]!.metadata.path).toBe(join(gallery, "gradient-new.png"));
    expect(hits.results[0]!.score).toBeCloseTo(1, 4);
  });

  it("refuses kind and graph changes on an existing file, and HNSW flags without --ann", async () => {
    const toAnn = await run(["index", gallery, "--model", CLIP, "--out", flat(), "--ann"]);
    expect(toAnn.code).toBe(1);
    expect(toAnn.stderr).toContain("[INVALID_ARGUMENT]");
    expect(toAnn.stderr).toContain("exact (flat) index");
    const degree = await run([
      "index",
      gallery,
      "--model",
      CLIP,
      "--out",
      ann(),
      "--ann",
      "--connectivity",
      "32",
    ]);
    expect(degree.stderr).toMatch(/\[INVALID_ARGUMENT\].*connectivity 8/);
    const noAnn = await run(["index", gallery, "--model", CLIP, "--out", ann(), "--ef", "40"]);
    expect(noAnn.stderr).toContain("--ef needs --ann");
  });

  it("reports a damaged HNSW file as INDEX_CORRUPT and another model's as SPACE_MISMATCH", async () => {
    const bytes = await readFile(ann());
    const flipped = Uint8Array.from(bytes);
    flipped[flipped.length - 16]! ^= 0xff; // inside the native graph section
    for (const [name, body] of [
      ["cut.ckidx", bytes.subarray(0, bytes.length - 9)],
      ["flip.ckidx", flipped],
    ] as const) {
      await writeFile(join(dir, name), body);
      const r = await run(["search", "x", "--index", join(dir, name), "--model", CLIP]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("[INDEX_CORRUPT]");
    }
    const { UsearchIndex } = await import("@clipkit/backend-node");
    const { saveUsearchIndexFile } = await import("@clipkit/backend-node");
    const other = join(dir, "other-model.ckidx");
    await saveUsearchIndexFile(new UsearchIndex({ id: "another-model", dim: 8, normalized: true }), other);
    const up = await run(["index", gallery, "--model", CLIP, "--out", other, "--ann"]);
    expect(up.stderr).toContain("[SPACE_MISMATCH]");
    const s = await run(["search", "x", "--index", other, "--model", CLIP]);
    expect(s.stderr).toContain("[SPACE_MISMATCH]");
  });

  it("index-texts --ann: image → caption agrees with the exact caption index", async () => {
    const captions = join(dir, "ann-captions.txt");
    await writeFile(captions, "random noise\na grey square\nred and blue shapes\na smooth gradient\n");
    const a = join(dir, "captions-ann.ckidx");
    const e = join(dir, "captions-flat.ckidx");
    expect((await run(["index-texts", captions, "--model", CLIP, "--out", a, "--ann"])).stdout).toContain(
      "4 captions (4 added",
    );
    await run(["index-texts", captions, "--model", CLIP, "--out", e]);
    const query = ["--image", join(FIXTURES, "images", "noise.png")];
    const ha = await searchJson(a, ...query);
    const he = await searchJson(e, ...query);
    expect(ha.kind).toBe("usearch");
    expect(ha.results.map((h) => h.metadata.text)).toEqual(he.results.map((h) => h.metadata.text));
    await writeFile(captions, "random noise\n");
    const re = JSON.parse(
      (await run(["index-texts", captions, "--model", CLIP, "--out", a, "--json"])).stdout,
    ) as Report & { kind: string };
    expect(re).toMatchObject({ kind: "usearch", size: 1, added: 0, removed: 3, unchanged: 1 });
  });
});

describe("loadUsearchIndexFile run-time overrides (what search --ef relies on)", () => {
  it("a larger expansionSearch given at load time raises recall of the stored graph", async () => {
    const { createEmbeddings, FlatIndex, syntheticEmbeddings } = await import("@clipkit/core");
    const { UsearchIndex } = await import("@clipkit/backend-node");
    const { loadUsearchIndexFile, saveUsearchIndexFile } = await import("@clipkit/backend-node");
    // A deliberately weak graph (degree 4, tiny ef) on hard data, so ef visibly matters.
    const data = syntheticEmbeddings({ count: 5000, dim: 32, seed: 5 });
    const q = syntheticEmbeddings({ count: 100, dim: 32, seed: 5, pointSeed: 9 });
    const ids = Array.from({ length: data.count }, (_, i) => `v${i}`);
    const built = new UsearchIndex(data.space, {
      connectivity: 4,
      expansionAdd: 8,
      expansionSearch: 1,
      threads: 1,
    });
    built.add(ids, data);
    const exact = new FlatIndex(data.space);
    exact.add(ids, data);
    const path = join(dir, "weak.ckidx");
    await saveUsearchIndexFile(built, path);
    const truth = exact.search(q, { k: 10 });
    const recall = async (ef?: number) => {
      const index = await loadUsearchIndexFile(path, ef === undefined ? {} : { expansionSearch: ef });
      let found = 0;
      for (let i = 0; i < q.count; i++) {
        const one = createEmbeddings(q.data.slice(i * 32, (i + 1) * 32), 1, q.space);
        const want = new Set(truth[i]!.map((h) => h.id));
        found += index.search(one, { k: 10 })[0]!.filter((h) => want.has(h.id)).length;
      }
      return { found: found / (10 * q.count), ef: index.options.expansionSearch };
    };
    const stored = await recall();
    const wide = await recall(400);
    expect([stored.ef, wide.ef]).toEqual([1, 400]);
    expect(wide.found).toBeGreaterThan(stored.found + 0.1);
    expect(wide.found).toBeGreaterThan(0.8);
  });
});
