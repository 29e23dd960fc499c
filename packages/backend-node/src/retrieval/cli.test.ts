import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../cli/util/test-io.js";

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
