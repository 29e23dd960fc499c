/**
 * What a user reads when some of their images are bad: one `skipped PATH: [CODE] reason` line
 * per file on every many-file command, the reason free of the library's batch position
 * (`images[0]`) and of the path repeated; single-request commands (`ask`) name the file they were
 * given; identical bad files and repeated paths in `index`.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../util/test-io.js";

const FIXTURES = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
const CLIP = join(FIXTURES, "tiny-clip");
const CAPTIONER = join(FIXTURES, "tiny-captioner");
const LLAVA = join(FIXTURES, "tiny-llava");
const GOOD = join(FIXTURES, "images", "shapes.png");

let dir: string;
let empty: string;
let text: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-skip-messages-"));
  empty = join(dir, "empty photo.png");
  text = join(dir, "notes.jpg");
  await writeFile(empty, "");
  await writeFile(text, "not an image\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The skip lines of a stderr, and a check that each is clean. */
function skipLines(stderr: string): string[] {
  const lines = stderr.split("\n").filter((l) => l.startsWith("skipped "));
  for (const line of lines) {
    expect(line).not.toMatch(/images\[\d+\]/);
    expect(line).not.toContain("<bytes>");
    // The path appears once: after "skipped ", never again in the reason.
    const path = /^skipped (.*?): \[/.exec(line)![1]!;
    expect(line.split(path).length - 1, line).toBe(1);
  }
  return lines;
}

const EMPTY_REASON = "[IMAGE_DECODE_FAILED] cannot decode image: empty input (0 bytes)";

describe("skip messages name the file once, with the code and the reason", () => {
  const cases: [string, (files: string[]) => string[]][] = [
    ["classify", (f) => ["classify", ...f, "--model", CLIP, "--labels", "a,b"]],
    ["embed", (f) => ["embed", ...f, "--model", CLIP, "--out", join(dir, "emb")]],
    ["index", (f) => ["index", ...f, "--model", CLIP, "--out", join(dir, "skips.ckidx")]],
    ["caption", (f) => ["caption", ...f, "--model", CAPTIONER, "--max-new-tokens", "2"]],
  ];
  it.each(cases)("%s", async (_name, argv) => {
    const r = await run(argv([GOOD, empty, text]));
    expect(r.code, r.stderr).toBe(0);
    const lines = skipLines(r.stderr);
    expect(lines).toHaveLength(2);
    expect(lines).toContain(`skipped ${empty}: ${EMPTY_REASON}`);
    expect(lines.find((l) => l.startsWith(`skipped ${text}: `))).toMatch(
      /^skipped .*notes\.jpg: \[IMAGE_DECODE_FAILED\] cannot decode image: /,
    );
  });

  it("classify --json rows carry the same clean reason", async () => {
    const r = await run(["classify", GOOD, empty, "--model", CLIP, "--labels", "a,b", "--json"]);
    const rows = JSON.parse(r.stdout) as { image: string; skipped?: { code: string; message: string } }[];
    expect(rows[1]).toEqual({
      image: empty,
      skipped: { code: "IMAGE_DECODE_FAILED", message: "cannot decode image: empty input (0 bytes)" },
    });
  });

  it("a missing file and a folder given as a file say so once", async () => {
    const r = await run(["classify", GOOD, join(dir, "gone.png"), dir, "--model", CLIP, "--labels", "a,b"]);
    const lines = skipLines(r.stderr);
    expect(lines).toContain(`skipped ${join(dir, "gone.png")}: [NOT_FOUND] no such file`);
  });

  it("ask names the image it was given, not its batch or chat position", async () => {
    const one = await run(["ask", empty, "what is it?", "--model", LLAVA]);
    expect(one.stderr).toBe(
      `clipkit ask: error [IMAGE_DECODE_FAILED]: ${empty}: cannot decode image: empty input (0 bytes)\n`,
    );
    const chat = await run(["ask", "what is it?", "--image", GOOD, "--image", empty, "--model", LLAVA]);
    expect(chat.stderr).toBe(
      `clipkit ask: error [IMAGE_DECODE_FAILED]: ${empty}: cannot decode image: empty input (0 bytes)\n`,
    );
  });
});

describe("single-request commands name the bad image as typed", () => {
  it("search --image", async () => {
    const index = join(dir, "search.ckidx");
    expect((await run(["index", GOOD, "--model", CLIP, "--out", index])).code).toBe(0);
    const r = await run(["search", "--image", GOOD, "--image", empty, "--index", index, "--model", CLIP]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `clipkit search: error [IMAGE_DECODE_FAILED]: ${empty}: cannot decode image: empty input (0 bytes)\n`,
    );
  });
});

describe("clipkit index with repeated and identical bad files", () => {
  it("a path given twice is one file; identical bad files are each skipped once and not called duplicates", async () => {
    const photos = join(dir, "photos");
    await mkdir(photos);
    await copyFile(GOOD, join(photos, "good.png"));
    await writeFile(join(photos, "a.jpg"), "junk\n");
    await writeFile(join(photos, "b.jpg"), "junk\n");
    const out = join(dir, "dups.ckidx");
    const r = await run([
      "index",
      photos,
      join(photos, "a.jpg"),
      join(photos, "a.jpg"),
      "--model",
      CLIP,
      "--out",
      out,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = skipLines(r.stderr);
    expect(lines.map((l) => /^skipped (.*?): /.exec(l)![1]).sort()).toEqual([
      join(photos, "a.jpg"),
      join(photos, "b.jpg"),
    ]);
    expect(r.stderr).not.toContain("duplicate content");
    const report = JSON.parse(r.stdout) as {
      size: number;
      duplicates: unknown[];
      failed: { message: string }[];
    };
    expect(report).toMatchObject({ size: 1, duplicates: [] });
    expect(report.failed.map((f) => f.message)).toEqual([
      expect.stringMatching(/^cannot decode image: /),
      expect.stringMatching(/^cannot decode image: /),
    ]);
    // Identical good files are still one entry, reported as duplicates.
    await copyFile(GOOD, join(photos, "good copy.png"));
    const again = await run(["index", photos, "--model", CLIP, "--out", out]);
    expect(again.stderr).toContain(
      `duplicate content (one entry): ${join(photos, "good copy.png")}, ${join(photos, "good.png")}`,
    );
    expect(again.stdout).toMatch(/: 1 image in an exact index/);
  });
});
