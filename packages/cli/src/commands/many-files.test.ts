import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../util/test-io.js";

const FIXTURES = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
const CLIP = join(FIXTURES, "tiny-clip");
const CAPTIONER = join(FIXTURES, "tiny-captioner");
const GOOD = join(FIXTURES, "images", "shapes.png");
const GOOD2 = join(FIXTURES, "images", "noise.png");

let dir: string;
let broken: string;
let missing: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-many-"));
  broken = join(dir, "broken.png");
  await writeFile(broken, "not a png at all");
  missing = join(dir, "missing.png");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("commands over many files skip bad ones with a report (like index)", () => {
  const labels = ["--labels", "circle,square"];

  it("classify: good files are classified, bad ones reported on stderr and in --json; exit 0", async () => {
    const res = await run(["classify", GOOD, broken, missing, GOOD2, "--model", CLIP, ...labels]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(GOOD);
    expect(res.stdout).toContain(GOOD2);
    expect(res.stdout).not.toContain(broken);
    expect(res.stderr).toMatch(new RegExp(`skipped ${broken}: \\[IMAGE_DECODE_FAILED\\]`));
    expect(res.stderr).toContain(`skipped ${missing}:`);
    expect(res.stderr).toContain("2 of 4 files skipped");
    const json = JSON.parse(
      (await run(["classify", GOOD, broken, "--model", CLIP, ...labels, "--json"])).stdout,
    );
    expect(json[0].image).toBe(GOOD);
    expect(json[0].top).toHaveLength(2);
    expect(json[1]).toEqual({
      image: broken,
      skipped: { code: "IMAGE_DECODE_FAILED", message: expect.any(String) },
    });
  });

  it("classify: --strict fails on any bad file; nothing readable fails without it", async () => {
    expect((await run(["classify", GOOD, broken, "--model", CLIP, ...labels, "--strict"])).code).toBe(1);
    expect((await run(["classify", broken, missing, "--model", CLIP, ...labels])).code).toBe(1);
  });

  it("classify: a walked folder reports what it ignored (symlinks unless followed, other files)", async () => {
    const folder = join(dir, "walk");
    await mkdir(folder);
    await writeFile(join(folder, "notes.txt"), "x");
    await writeFile(join(folder, "photo.heic"), "x");
    await symlink(GOOD, join(folder, "link.png"));
    const plain = await run(["classify", folder, GOOD2, "--model", CLIP, ...labels, "--json"]);
    expect(JSON.parse(plain.stdout).map((r: { image: string }) => r.image)).toEqual([GOOD2]);
    expect(plain.stderr).toMatch(/ignored 3 files in walked folders \(.*1 not-an-image.*\)/);
    expect(plain.stderr).toMatch(/1 symlink/);
    expect(plain.stderr).toMatch(/1 undecodable-format/);
    const followed = await run([
      "classify",
      folder,
      "--model",
      CLIP,
      ...labels,
      "--json",
      "--follow-symlinks",
    ]);
    expect(JSON.parse(followed.stdout).map((r: { image: string }) => r.image)).toEqual([
      join(folder, "link.png"),
    ]);
  });

  it("caption: the same rules (text and --json)", async () => {
    const res = await run(["caption", GOOD, broken, "--model", CAPTIONER, "--max-new-tokens", "3"]);
    expect(res.code).toBe(0);
    expect(
      res.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split("\t")[0]),
    ).toEqual([GOOD]);
    expect(res.stderr).toContain(`skipped ${broken}`);
    const json = await run([
      "caption",
      broken,
      GOOD,
      "--model",
      CAPTIONER,
      "--max-new-tokens",
      "3",
      "--json",
    ]);
    expect(JSON.parse(json.stdout)[0].skipped.code).toBe("IMAGE_DECODE_FAILED");
    expect(
      (await run(["caption", GOOD, broken, "--model", CAPTIONER, "--max-new-tokens", "3", "--strict"])).code,
    ).toBe(1);
  });

  it("eval: a bad image leaves the metrics, is listed under skipped, and its label stays a class", async () => {
    const manifest = join(dir, "m.jsonl");
    const rows = [
      { image: GOOD, label: "square" },
      { image: broken, label: "circle" },
      { image: GOOD2, label: "square" },
    ];
    await writeFile(manifest, rows.map((r) => JSON.stringify(r)).join("\n"));
    const res = await run([
      "eval",
      "zeroshot",
      "--data",
      manifest,
      "--model",
      CLIP,
      "--templates",
      "{}",
      "--json",
    ]);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.skipped.map((s: { path: string }) => s.path)).toEqual([broken]);
    expect(report.metrics.images).toBe(2);
    expect(report.metrics.classes).toBe(2);
    expect(res.stderr).toContain(`skipped ${broken}`);
  });
});
