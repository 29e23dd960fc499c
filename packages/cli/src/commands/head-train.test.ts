import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadAdaptedHead, readHeadHeader } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../util/test-io.js";

// The bundled emoji model (the CLI default) and its committed Twemoji demo images.
const ASSETS = fileURLToPath(new URL("../../../../examples/demo-assets/images/", import.meta.url));
const CLASSES: Record<string, string[]> = {
  hearts: ["red-heart.png", "blue-heart.png"],
  faces: ["grinning-face.png", "crying-face.png", "cat-face.png"],
  vehicles: ["airplane.png", "automobile.png", "bicycle.png"],
  food: ["pizza.png", "hamburger.png", "strawberry.png"],
};

let dir: string;
let folder: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-head-train-"));
  // The default embedding cache lives in clipkit's cache folder: a test's own, never ~/.cache.
  process.env.CLIPKIT_CACHE = join(dir, "cache");
  folder = join(dir, "examples");
  for (const [label, files] of Object.entries(CLASSES)) {
    await mkdir(join(folder, label), { recursive: true });
    for (const f of files) await copyFile(join(ASSETS, f), join(folder, label, f));
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("clipkit head train", () => {
  it("trains a Tip-Adapter head from a folder per class, caches embeddings, and classify --head uses it", async () => {
    const out = join(dir, "tip.ckhead");
    const first = await run(["head", "train", folder, "--method", "tip", "--out", out]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(
      /11 images of 4 classes \(11 embedded, 0 from .*cache\/embeddings\/examples-[0-9a-f]{16}\.idx\)/,
    );
    expect(first.stdout).toMatch(
      /wrote .*tip\.ckhead: tip head, 4 classes, 11 images \(≥ 2 per class\), seed 0/,
    );
    expect(first.stdout).toMatch(/chose alpha [\d.]+, beta [\d.]+ by loo/);
    expect(first.stdout).toMatch(/validation: loo held-out top-1 [\d.]+ %/);
    const header = readHeadHeader(new Uint8Array(await readFile(out)));
    expect(header.version).toBe(2);
    // Re-training reads every embedding from the cache.
    const again = await run([
      "head",
      "train",
      folder,
      "--method",
      "probe",
      "--seed",
      "3",
      "--out",
      join(dir, "p.ckhead"),
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/11 images of 4 classes \(0 embedded, 11 from /);
    expect(loadAdaptedHead(new Uint8Array(await readFile(join(dir, "p.ckhead")))).adapter).toMatchObject({
      method: "probe",
      seed: 3,
      examples: 11,
    });

    // The leave-one-out search on a seeded per-class sample of 4 queries (every image stays a key).
    const capped = await run([
      "head",
      "train",
      folder,
      "--method",
      "tip",
      "--loo-queries",
      "4",
      "--out",
      out,
    ]);
    expect(capped.code, capped.stderr).toBe(0);
    expect(capped.stdout).toMatch(/by loo \(4 of 11 examples as queries\)/);
    expect(loadAdaptedHead(new Uint8Array(await readFile(out))).adapter.looQueries).toBe(4);
    const zero = await run(["head", "train", folder, "--method", "tip", "--loo-queries", "0", "--out", out]);
    expect(zero.code).not.toBe(0);
    expect(zero.stderr).toMatch(/--loo-queries must be a positive integer/);

    const classify = await run([
      "classify",
      join(ASSETS, "tiger-face.png"),
      join(ASSETS, "red-heart.png"),
      "--head",
      out,
      "--json",
    ]);
    expect(classify.code, classify.stderr).toBe(0);
    const parsed = JSON.parse(classify.stdout) as {
      image: string;
      top: { label: string; score: number }[];
    }[];
    expect(parsed).toHaveLength(2);
    expect(parsed[1]!.top[0]!.label).toBe("hearts");
    for (const p of parsed)
      expect(p.top.map((t) => t.label).sort()).toEqual(["faces", "food", "hearts", "vehicles"]);
  }, 240_000);

  it("head info describes a trained head, and refuses a damaged one naming the file", async () => {
    const out = join(dir, "info.ckhead");
    const trained = await run(["head", "train", folder, "--method", "probe", "--out", out]);
    expect(trained.code, trained.stderr).toBe(0);
    const text = await run(["head", "info", out]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/format v2\)/);
    expect(text.stdout).toMatch(
      /method: +probe, 11 examples \(≥ 2 per class\), seed 0; lambda [\d.e-]+ chosen by /,
    );
    expect(text.stdout).toMatch(/classes: +4: /);
    const json = await run(["head", "info", out, "--json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ version: 2, adapter: { method: "probe", examples: 11 } });
    const bytes = await readFile(out);
    const truncated = join(dir, "info-truncated.ckhead");
    await writeFile(truncated, bytes.subarray(0, bytes.length >> 1));
    const bad = await run(["head", "info", truncated]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`error [HEAD_CORRUPT]: ${truncated}: `);
  });

  it("keeps the embedding cache out of the data's folder: clipkit's cache, or --embeddings-cache", async () => {
    const before = (await readdir(dir)).sort();
    const out = join(dir, "cache-test.ckhead");
    const r = await run(["head", "train", folder, "--method", "probe", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    // Nothing written beside the input folder (it may be read-only, and it is the user's data).
    expect((await readdir(dir)).sort()).toEqual([...before, "cache-test.ckhead"].sort());
    expect(await readdir(folder)).toEqual(Object.keys(CLASSES).sort());
    expect(await readdir(join(dir, "cache", "embeddings"))).toEqual([
      expect.stringMatching(/^examples-[0-9a-f]{16}\.idx$/),
    ]);
    const explicit = join(dir, "elsewhere.idx");
    const e = await run([
      "head",
      "train",
      folder,
      "--method",
      "probe",
      "--embeddings-cache",
      explicit,
      "--out",
      out,
    ]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).toContain(`(11 embedded, 0 from ${explicit})`);
    const both = await run([
      "head",
      "train",
      folder,
      "--method",
      "probe",
      "--cache",
      explicit,
      "--embeddings-cache",
      explicit,
      "--out",
      out,
    ]);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/\[INVALID_ARGUMENT\]: give --embeddings-cache FILE/);
  }, 240_000);

  it("lists every unreadable training image once, cleanly, then stops", async () => {
    const bad = join(dir, "with-bad");
    await mkdir(join(bad, "hearts"), { recursive: true });
    await mkdir(join(bad, "food"), { recursive: true });
    await copyFile(join(ASSETS, "red-heart.png"), join(bad, "hearts", "red-heart.png"));
    await copyFile(join(ASSETS, "pizza.png"), join(bad, "food", "pizza.png"));
    await writeFile(join(bad, "food", "empty.png"), "");
    await writeFile(join(bad, "hearts", "notes.jpg"), "not an image\n");
    const r = await run(["head", "train", bad, "--method", "probe", "--out", join(dir, "bad.ckhead")]);
    expect(r.code).toBe(1);
    const skipped = r.stderr.split("\n").filter((l) => l.startsWith("skipped "));
    expect(skipped.sort()).toEqual([
      `skipped ${join(bad, "food", "empty.png")}: [IMAGE_DECODE_FAILED] cannot decode image: empty input (0 bytes)`,
      expect.stringMatching(/^skipped .*notes\.jpg: \[IMAGE_DECODE_FAILED\] cannot decode image: [^/]*$/),
    ]);
    expect(r.stderr).toMatch(
      /\[IMAGE_DECODE_FAILED\]: 2 of 4 training images could not be read \(listed above\)/,
    );
  }, 240_000);

  it("a missing input, an image instead of a folder and a binary manifest are errors naming the input", async () => {
    const out = join(dir, "never.ckhead");
    const train = (input: string) => run(["head", "train", input, "--method", "probe", "--out", out]);
    expect((await train(join(dir, "nope"))).stderr).toBe(
      `clipkit head: error [NOT_FOUND]: ${join(dir, "nope")}: no such folder or manifest\n`,
    );
    const image = join(ASSETS, "pizza.png");
    expect((await train(image)).stderr).toMatch(
      /\[INVALID_ARGUMENT\]: .*pizza\.png: expected a folder of class sub-folders/,
    );
    const binary = join(dir, "binary.jsonl");
    await copyFile(image, binary);
    expect((await train(binary)).stderr).toMatch(
      /\[INVALID_ARGUMENT\]: manifest .*binary\.jsonl: is not UTF-8 text/,
    );
  });

  it("reads a JSONL manifest, honours --shots and --val, and rejects bad flags", async () => {
    const manifest = join(dir, "m.jsonl");
    const lines = Object.entries(CLASSES).flatMap(([label, files]) =>
      files.map((f) => JSON.stringify({ image: join("examples", label, f), label })),
    );
    await writeFile(manifest, `${lines.join("\n")}\n`);
    const out = join(dir, "zs.ckhead");
    const r = await run([
      "head",
      "train",
      manifest,
      "--method",
      "zs-probe",
      "--shots",
      "2",
      "--val",
      "0.5",
      "--out",
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/zs-probe head, 4 classes, 8 images \(≥ 2 per class\)/);
    expect(r.stdout).toMatch(/by validation/);
    const bad = await run(["head", "train", manifest, "--method", "svm", "--out", out]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--method must be one of probe, zs-probe, tip, tip-f/);
  }, 240_000);
});
