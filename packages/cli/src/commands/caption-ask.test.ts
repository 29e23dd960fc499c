import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../main.js";

const capDir = fileURLToPath(new URL("../../../../fixtures/models/tiny-captioner/", import.meta.url));
const llavaDir = fileURLToPath(new URL("../../../../fixtures/models/tiny-llava/", import.meta.url));
const ref = JSON.parse(readFileSync(join(capDir, "reference.json"), "utf8")) as {
  images: { file: string; text: string }[];
};

async function cli(argv: string[]) {
  let out = "";
  let err = "";
  const sink = (f: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        f(String(chunk));
        cb();
      },
    });
  const code = await main(argv, {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    isTTY: false,
  });
  return { code, out, err };
}

describe("clipkit caption / ask", () => {
  it("captions several images as TSV and JSON", async () => {
    const images = ref.images.map((im) => join(capDir, im.file));
    const tsv = await cli(["caption", ...images, "--model", capDir, "--threads", "1"]);
    expect(tsv.err).toBe("");
    expect(tsv.code).toBe(0);
    expect(tsv.out).toBe(images.map((p, i) => `${p}\t${ref.images[i]!.text}\n`).join(""));
    const json = await cli([
      "caption",
      images[0]!,
      "--model",
      capDir,
      "--beams",
      "3",
      "--num-return",
      "2",
      "--json",
    ]);
    const parsed = JSON.parse(json.out) as { text: string; sequences: unknown[]; score: number }[];
    expect(parsed[0]!.text).toBe(ref.images[0]!.text);
    expect(parsed[0]!.sequences).toHaveLength(2);
    expect(typeof parsed[0]!.score).toBe("number");
  });

  it("streams an answer for both layouts", async () => {
    const image = join(capDir, ref.images[0]!.file);
    const a = await cli(["ask", image, "what color is the shape?", "--model", capDir]);
    expect(a).toMatchObject({ code: 0, out: "red\n" });
    const b = await cli(["ask", image, "What shape is it?", "--model", llavaDir, "--beams", "2"]);
    expect(b.code).toBe(0);
    expect(b.out.trim().length).toBeGreaterThan(0);
  });

  it("reports usage and model errors with codes", async () => {
    expect((await cli(["caption", "--model", capDir])).err).toContain("INVALID_ARGUMENT");
    expect((await cli(["caption", "x.png"])).err).toContain("--model");
    expect((await cli(["caption", "x.png", "--model", capDir, "--beams", "two"])).err).toContain("--beams");
    const missing = await cli(["ask", "x.png", "q?", "--model", join(capDir, "images")]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("MODEL_LAYOUT_UNSUPPORTED");
  });
});
