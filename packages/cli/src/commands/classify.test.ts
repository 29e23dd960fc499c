import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../util/test-io.js";

const FIXTURES = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
const CLIP = join(FIXTURES, "tiny-clip");
const SIGLIP = join(FIXTURES, "tiny-siglip");
const IMAGES = ["gradient.png", "gray.png", "noise.png", "shapes.png"].map((f) =>
  join(FIXTURES, "images", f),
);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-classify-"));
  // `head train` caches embeddings in clipkit's cache folder: the test's own, never ~/.cache.
  process.env.CLIPKIT_CACHE = join(dir, "cache");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("clipkit classify", () => {
  it("prints top-k labels per image with scores and cosines; --json gives the same ranking", async () => {
    const args = [
      "classify",
      ...IMAGES,
      "--model",
      CLIP,
      "--labels",
      "cat,diagram",
      "--labels",
      "red car",
      "--top-k",
      "2",
    ];
    const text = await run(args);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(0);
    expect(text.stdout.split("\n").filter((l) => l.startsWith("  0.") || l.startsWith("  1."))).toHaveLength(
      8,
    );
    const json = await run([...args, "--json"]);
    const parsed = JSON.parse(json.stdout) as {
      image: string;
      top: { label: string; score: number; cosine: number }[];
    }[];
    expect(parsed.map((p) => p.image)).toEqual(IMAGES);
    for (const p of parsed) {
      expect(p.top).toHaveLength(2);
      expect(p.top[0]!.score).toBeGreaterThanOrEqual(p.top[1]!.score);
      expect(text.stdout).toContain(`${p.top[0]!.score.toFixed(4)}  ${p.top[0]!.label}`);
    }
  });

  it("expands a folder argument into the images inside it, like clipkit index", async () => {
    const args = ["--model", CLIP, "--labels", "cat,diagram", "--json"];
    const folder = await run(["classify", join(FIXTURES, "images"), ...args]);
    expect(folder.code).toBe(0);
    const files = await run(["classify", ...IMAGES, ...args]);
    const images = (out: string) => (JSON.parse(out) as { image: string }[]).map((p) => p.image);
    expect(images(folder.stdout)).toEqual([...IMAGES].sort());
    expect(JSON.parse(folder.stdout)).toEqual(JSON.parse(files.stdout));
    const empty = await run(["classify", join(dir, "nothing-*.png"), ...args]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("NOT_FOUND");
  });

  it("gives identical results from a saved head (head build → classify --head) and reads labels from a file", async () => {
    const labelsFile = join(dir, "labels.txt");
    await writeFile(labelsFile, "# animals\ncat\n\ndog, wet\ntree\n");
    const out = join(dir, "animals.head");
    const built = await run([
      "head",
      "build",
      "--model",
      CLIP,
      "--labels-file",
      labelsFile,
      "--templates",
      "imagenet7",
      "--out",
      out,
    ]);
    expect(built.code).toBe(0);
    expect(built.stdout).toContain("3 classes × 7 templates");
    const viaHead = await run(["classify", ...IMAGES, "--model", CLIP, "--head", out, "--json"]);
    const direct = await run([
      "classify",
      ...IMAGES,
      "--model",
      CLIP,
      "--labels-file",
      labelsFile,
      "--templates",
      "imagenet7",
      "--json",
    ]);
    expect(viaHead.code).toBe(0);
    expect(JSON.parse(viaHead.stdout)).toEqual(JSON.parse(direct.stdout));
    expect(
      JSON.parse(direct.stdout)[0]
        .top.map((c: { label: string }) => c.label)
        .sort(),
    ).toEqual(["cat", "dog, wet", "tree"]);
    const info = await run(["head", "info", out]);
    expect(info.stdout).toContain("classes:  3: cat, dog, wet, tree");
    // The scale is fitted from the combined graph's logits, so it is 100 up to float rounding.
    expect(Number(/softmax, scale ([\d.]+)/.exec(info.stdout)?.[1])).toBeCloseTo(100, 3);
    const infoJson = JSON.parse((await run(["head", "info", out, "--json"])).stdout);
    expect(infoJson.meta.templates).toEqual(["imagenet7"]);
    expect(infoJson.bytes).toBe((await readFile(out)).length);
  });

  it("refuses a head built for another model (SPACE_MISMATCH) and a damaged head file (HEAD_CORRUPT)", async () => {
    const out = join(dir, "siglip.head");
    expect((await run(["head", "build", "--model", SIGLIP, "--labels", "a,b", "--out", out])).code).toBe(0);
    const mismatch = await run(["classify", IMAGES[0]!, "--model", CLIP, "--head", out]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain("[SPACE_MISMATCH]");
    expect(mismatch.stderr).toContain("siglip.head");
    const bytes = await readFile(out);
    await writeFile(join(dir, "cut.head"), bytes.subarray(0, bytes.length - 5));
    const cut = await run(["head", "info", join(dir, "cut.head")]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain("[HEAD_CORRUPT]");
  });

  it("a missing --head is NOT_FOUND naming the flag and file, before any model is opened", async () => {
    const missing = join(dir, "missing.ckhead");
    // The model folder does not exist either: reading the head first is what names the head.
    const res = await run(["classify", IMAGES[0]!, "--model", join(dir, "no-model"), "--head", missing]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("[NOT_FOUND]");
    expect(res.stderr).toContain(`--head ${missing}`);
    const folder = await run(["classify", IMAGES[0]!, "--model", CLIP, "--head", dir]);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain("[IO_FAILED]");
  });

  it("uses SigLIP's sigmoid by default and accepts multi-label thresholds", async () => {
    const res = await run([
      "classify",
      IMAGES[0]!,
      "--model",
      SIGLIP,
      "--labels",
      "a,b,c",
      "--threshold",
      "0",
      "--json",
    ]);
    expect(res.code).toBe(0);
    const [r] = JSON.parse(res.stdout);
    expect(r.top).toHaveLength(3);
    for (const c of r.top) expect(c.score).toBeCloseTo(1 / (1 + Math.exp(-c.logit)), 5);
    const softmax = await run([
      "classify",
      IMAGES[0]!,
      "--model",
      CLIP,
      "--labels",
      "a,b",
      "--threshold",
      "0.5",
    ]);
    expect(softmax.code).toBe(1);
    expect(softmax.stderr).toContain("INVALID_ARGUMENT");
  });

  it("draws a progress bar on a TTY stderr only when there are many images", async () => {
    const many = Array.from({ length: 8 }, (_, i) => IMAGES[i % 4]!);
    const tty = await run(["classify", ...many, "--model", CLIP, "--labels", "a,b", "--batch-size", "2"], {
      stderrIsTTY: true,
    });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toContain("8/8 images");
    const piped = await run(["classify", ...many, "--model", CLIP, "--labels", "a,b"]);
    expect(piped.stderr).toBe("");
  });

  it("falls back to the bundled demo model without --model, saying so on stderr", async () => {
    const res = await run(["classify", IMAGES[3]!, "--labels", "cat,dog", "--json"]);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain("@clipkit/model-emoji");
    expect(JSON.parse(res.stdout)[0].top).toHaveLength(2);
  });

  it("reports usage mistakes as INVALID_ARGUMENT / PROMPT_INVALID / NOT_FOUND", async () => {
    const cases: [string[], string][] = [
      [["classify", "--model", CLIP, "--labels", "a"], "no images"],
      [["classify", IMAGES[0]!, "--model", CLIP], "no labels"],
      [["classify", IMAGES[0]!, "--model", CLIP, "--labels", "a,a"], "PROMPT_INVALID"],
      [["classify", IMAGES[0]!, "--model", CLIP, "--labels", "a", "--templates", "a photo"], "NOT_FOUND"],
      [["classify", IMAGES[0]!, "--model", CLIP, "--labels", "a", "--top-k", "0"], "--top-k"],
      [["classify", IMAGES[0]!, "--model", CLIP, "--labels", "a", "--mode", "max"], "--mode"],
      [["classify", IMAGES[0]!, "--model", CLIP, "--labels", "a", "--bogus"], "INVALID_ARGUMENT"],
      [["head"], "sub-command"],
      [["head", "build", "--model", CLIP, "--labels", "a"], "--out"],
    ];
    for (const [argv, needle] of cases) {
      const res = await run(argv);
      expect(res.code, argv.join(" ")).toBe(1);
      expect(res.stderr, argv.join(" ")).toContain(needle);
    }
  });

  it("prints nothing on stdout when every image was skipped (the reasons go to stderr)", async () => {
    const notAnImage = join(dir, "notes.jpg");
    await writeFile(notAnImage, "hello, not a JPEG\n");
    const res = await run(["classify", notAnImage, "--model", CLIP, "--labels", "cat,dog"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(/skipped .*notes\.jpg: \[IMAGE_DECODE_FAILED\]/);
  });

  it("a few-shot head used with another model says to retrain it with 'head train', not 'head build'", async () => {
    const examples = join(dir, "few-shot");
    for (const [label, file] of [
      ["smooth", "gradient.png"],
      ["smooth", "gray.png"],
      ["busy", "noise.png"],
      ["busy", "shapes.png"],
    ] as const) {
      await mkdir(join(examples, label), { recursive: true });
      await copyFile(join(FIXTURES, "images", file), join(examples, label, file));
    }
    const head = join(dir, "few-shot.ckhead");
    const trained = await run(["head", "train", examples, "--method", "tip", "--model", CLIP, "--out", head]);
    expect(trained.code, trained.stderr).toBe(0);
    const other = await run(["classify", IMAGES[0]!, "--head", head, "--model", SIGLIP]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/SPACE_MISMATCH.*retrain the head for this model with 'clipkit head train'/);
    expect(other.stderr).not.toContain("head build");
  });
});
