import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { writeFileAtomic } from "@clipkit/backend-node";
import { isClipkitError } from "@clipkit/core";
import { emojiModelDir } from "@clipkit/model-emoji";
import { imagenetTemplates7, packs } from "@clipkit/prompts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseList, parseNumber, parsePositiveInt, resolveModelDir } from "./args.js";
import { readLabels } from "./labels.js";
import { createProgress, renderBar, shouldShowProgress } from "./progress.js";
import { templatesFromFlags } from "./templates.js";

async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return isClipkitError(e) ? e.code : "not-clipkit";
  }
  return undefined;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-util-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("cli args", () => {
  it("splits lists, parses numbers and reads label files", async () => {
    expect(parseList(["a, b", "c,,", " "])).toEqual(["a", "b", "c"]);
    expect(parsePositiveInt(undefined, "--k", 5)).toBe(5);
    expect(parsePositiveInt("7", "--k", 5)).toBe(7);
    expect(await codeOf(() => parsePositiveInt("1.5", "--k", 5))).toBe("INVALID_ARGUMENT");
    expect(parseNumber("-0.25", "--t")).toBe(-0.25);
    expect(await codeOf(() => parseNumber("", "--t"))).toBe("INVALID_ARGUMENT");
    const f = join(dir, "labels.txt");
    await writeFile(f, "# comment\r\ncat\r\n\r\n  dog, wet  \n");
    expect((await readLabels(["x"], f)).map((c) => c.label)).toEqual(["x", "cat", "dog, wet"]);
    expect(await codeOf(() => readLabels(undefined, join(dir, "missing.txt")))).toBe("IO_FAILED");
    expect(await codeOf(() => readLabels(undefined, undefined))).toBe("INVALID_ARGUMENT");
  });

  it("resolveModelDir passes a flag through and falls back to the bundled emoji model with a note", () => {
    const notes: string[] = [];
    expect(resolveModelDir("models/x", (l) => notes.push(l))).toBe("models/x");
    expect(notes).toEqual([]);
    expect(resolveModelDir(undefined, (l) => notes.push(l))).toBe(emojiModelDir);
    expect(notes.join("")).toMatch(/bundled demo model @clipkit\/model-emoji/);
  });

  it("resolves --templates names, comma lists and literal templates (commas kept), de-duplicated", () => {
    expect(templatesFromFlags(undefined)).toEqual([...packs.photo.templates]);
    expect(templatesFromFlags(["imagenet7"])).toEqual([...imagenetTemplates7]);
    expect(templatesFromFlags(["emoji,icon"])).toEqual([...packs.emoji.templates, ...packs.icon.templates]);
    expect(templatesFromFlags(["a photo of a {}, a fish.", "imagenet7", "imagenet7"])).toEqual([
      "a photo of a {}, a fish.",
      ...imagenetTemplates7,
    ]);
  });

  it("an unknown sentence in --templates says a literal template needs the placeholder; a bad name lists the sets", () => {
    expect(() => templatesFromFlags(["a photo of my cat"])).toThrow(
      /--templates "a photo of my cat".*must contain \{\}/,
    );
    expect(() => templatesFromFlags(["nosuchset"])).toThrow(/unknown template set "nosuchset"; use one of/);
    expect(() => templatesFromFlags(["nosuchset"])).not.toThrow(/placeholder|must contain/);
  });
});

describe("progress bar", () => {
  it("renders a clamped bar", () => {
    expect(renderBar(5, 10, 10, "images")).toBe("[#####.....]  50% 5/10 images");
    expect(renderBar(12, 10, 4, "x")).toBe("[####] 100% 12/10 x");
    expect(renderBar(0, 0, 4, "x")).toBe("[....]   0% 0/0 x");
  });

  it("throttles redraws but always draws the last one, and clears on finish", () => {
    let out = "";
    const stream = new Writable({
      write(c, _e, cb) {
        out += String(c);
        cb();
      },
    });
    let t = 0;
    const p = createProgress({ stream, label: "n", enabled: true, width: 2, intervalMs: 100, now: () => t });
    p.update(1, 4);
    t = 50;
    p.update(2, 4); // throttled
    t = 60;
    p.update(4, 4); // final: always drawn
    p.finish();
    expect(out).toBe("\r[#.]  25% 1/4 n\r[##] 100% 4/4 n\r\x1b[2K");
    expect(shouldShowProgress(stream, 100)).toBe(false);
    (stream as Writable & { isTTY?: boolean }).isTTY = true;
    expect(shouldShowProgress(stream, 100)).toBe(true);
    expect(shouldShowProgress(stream, 3)).toBe(false);
  });
});

describe("writeFileAtomic", () => {
  it("replaces the file whole and leaves no temp files; failures are IO_FAILED", async () => {
    const target = join(dir, "x.bin");
    await writeFileAtomic(target, Uint8Array.of(1, 2, 3));
    await writeFileAtomic(target, Uint8Array.of(9));
    expect([...(await readFile(target))]).toEqual([9]);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(await codeOf(() => writeFileAtomic(join(dir, "no", "such", "dir.bin"), Uint8Array.of(1)))).toBe(
      "IO_FAILED",
    );
  });
});
