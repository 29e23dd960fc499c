import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../util/test-io.js";

// What a new user gets wrong on day one: an image where a text list was meant, a folder where a
// file was meant, a file where a folder was meant. Each is one coded error naming the flag, exit 1,
// never a stack trace (exit 70) nor an image's bytes read as labels or captions.
const FIXTURES = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
const CLIP = join(FIXTURES, "tiny-clip");
const IMAGE = join(FIXTURES, "images", "shapes.png");

let dir: string;
let index: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-user-inputs-"));
  // `head train` caches embeddings in clipkit's cache folder: the test's own, never ~/.cache.
  process.env.CLIPKIT_CACHE = join(dir, "cache");
  await mkdir(join(dir, "folder.txt"));
  index = join(dir, "images.ckidx");
  const built = await run(["index", IMAGE, "--model", CLIP, "--out", index]);
  expect(built.code, built.stderr).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const expectCoded = (res: { code: number; stderr: string }, pattern: RegExp): void => {
  expect(res.code, res.stderr).toBe(1);
  expect(res.stderr).toMatch(pattern);
  expect(res.stderr).not.toMatch(/unexpected error|\n\s+at /);
};

describe("text-list flags refuse what is not UTF-8 text, naming the flag", () => {
  const cases: [string, (file: string) => string[]][] = [
    ["--labels-file", (f) => ["classify", IMAGE, "--model", CLIP, "--labels-file", f]],
    [
      "--labels-file",
      (f) => ["head", "build", "--model", CLIP, "--labels-file", f, "--out", join(dir, "h.ckhead")],
    ],
    ["--queries-file", (f) => ["search", "--index", index, "--model", CLIP, "--queries-file", f]],
    ["--texts", (f) => ["embed", "--texts", f, "--model", CLIP, "--out", join(dir, "emb")]],
    ["captions", (f) => ["index-texts", f, "--model", CLIP, "--out", join(dir, "texts.ckidx")]],
  ];
  it.each(cases)("%s given an image is INVALID_ARGUMENT with the line", async (flag, argv) => {
    expectCoded(
      await run(argv(IMAGE)),
      new RegExp(`\\[INVALID_ARGUMENT\\]: ${flag} .*shapes\\.png: is not UTF-8 text`),
    );
  });
  it.each(cases)("%s given a folder is IO_FAILED", async (flag, argv) => {
    expectCoded(
      await run(argv(join(dir, "folder.txt"))),
      new RegExp(`\\[IO_FAILED\\]: ${flag} .*folder\\.txt: is a directory`),
    );
  });
  it("a NUL byte is refused too; a UTF-8 byte order mark is not part of the first label", async () => {
    const nul = join(dir, "nul.txt");
    await writeFile(nul, "cat\ndog\0\n");
    expectCoded(
      await run(["classify", IMAGE, "--model", CLIP, "--labels-file", nul]),
      /--labels-file .*nul\.txt: is not UTF-8 text \(binary data on line 2/,
    );
    const bom = join(dir, "bom.txt");
    await writeFile(bom, "\uFEFFcat\ndog\n");
    const res = await run(["classify", IMAGE, "--model", CLIP, "--labels-file", bom, "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const [row] = JSON.parse(res.stdout) as { top: { label: string }[] }[];
    expect(row!.top.map((t) => t.label).sort()).toEqual(["cat", "dog"]);
  });
});

describe("clipkit embed", () => {
  it("--out naming a file is IO_FAILED before the model loads (was a stack trace, exit 70)", async () => {
    expectCoded(
      await run(["embed", IMAGE, "--model", CLIP, "--out", IMAGE]),
      /\[IO_FAILED\]: --out .*shapes\.png exists and is not a folder/,
    );
    expectCoded(
      await run(["embed", IMAGE, "--model", CLIP, "--out", join(IMAGE, "sub")]),
      /\[IO_FAILED\]: --out .*cannot create the folder/,
    );
  });

  it("skips an undecodable image with its code, and exits 1 when none embedded (--strict: when any failed)", async () => {
    const bad = join(dir, "notes.jpg");
    await writeFile(bad, "not a JPEG\n");
    const none = await run(["embed", bad, "--model", CLIP, "--out", join(dir, "emb-none")]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/skipped .*notes\.jpg: \[IMAGE_DECODE_FAILED\]/);
    const some = await run(["embed", bad, IMAGE, "--model", CLIP, "--out", join(dir, "emb-some")]);
    expect(some.code, some.stderr).toBe(0);
    expect(some.stdout).toContain("1 image embeddings");
    const strict = await run([
      "embed",
      bad,
      IMAGE,
      "--model",
      CLIP,
      "--out",
      join(dir, "emb-strict"),
      "--strict",
    ]);
    expect(strict.code).toBe(1);
  });
});

describe("file-system failures", () => {
  it("are IO_FAILED with the path, exit 1, in every command (no stack trace)", async () => {
    // head train writes its --out itself: the CLI's safety net turns the raw ENOENT into a coded error.
    const examples = join(dir, "few-shot");
    for (const label of ["a", "b"]) {
      await mkdir(join(examples, label), { recursive: true });
      await copyFile(IMAGE, join(examples, label, "x.png"));
    }
    const res = await run([
      "head",
      "train",
      examples,
      "--method",
      "tip",
      "--model",
      CLIP,
      "--out",
      join(dir, "missing-folder", "h.ckhead"),
    ]);
    expectCoded(res, /\[IO_FAILED\]: .*missing-folder/);
  });
});
