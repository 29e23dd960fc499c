import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

// The zero-shot and search examples run unchanged on every model family loadClipModel reads
// (docs/models.md); here both open_clip export styles, SigLIP 2 NaFlex, jina-clip v2 and the
// multilingual AltCLIP (tiny-clip is the examples' default).
const root = join(import.meta.dirname, "..");
const fixtures = join(root, "fixtures", "models");
const FAMILIES = [
  ["tiny-openclip", "softmax"],
  ["tiny-openclip-siglip", "sigmoid"],
  ["tiny-siglip2", "sigmoid"],
  ["tiny-jina-clip-v2", "softmax"],
  ["tiny-altclip", "softmax"],
] as const;
const scratch = mkdtempSync(join(tmpdir(), "clipkit-families-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function example(name: string, args: string[]): Promise<string> {
  // Async so the worker keeps answering vitest while the example runs.
  const { stdout, stderr } = await promisify(execFile)(
    "npx",
    ["tsx", "--conditions=@clipkit/source", `examples/${name}`, ...args],
    { cwd: root, encoding: "utf8", timeout: 90_000 },
  );
  expect(stderr).not.toMatch(/Error/);
  return stdout;
}

describe.each(FAMILIES)("examples on %s", (family, scoring) => {
  it("zero-shot.ts builds a head, classifies with the family's scoring and reloads it", async () => {
    const out = await example("zero-shot.ts", [join(fixtures, family)]);
    expect(out).toMatch(new RegExp(`scoring ${scoring} \\(scale`));
    expect(out).toMatch(/noise\.png: \w+ \d\.\d{3}/);
    expect(out).toMatch(/reloaded results identical: true/);
  }, 120_000);

  it("gallery-search.ts indexes the images and searches by text and by image", async () => {
    const index = join(scratch, `${family}.ckidx`);
    const out = await example("gallery-search.ts", [join(fixtures, family), join(fixtures, "images"), index]);
    expect(out).toMatch(/created .*: 4 images \(\+4 −0 =0, 0 skipped\)/);
    expect(out).toMatch(/"colourful static noise"\n(\s+-?\d\.\d{4}\s+\S+\.png\n){3}/);
    // The query image is indexed, so it comes back first with cosine ≈ 1.
    expect(out).toMatch(/images like (\S+)\n\s+(0\.99\d\d|1\.0000)\s+\1/);
    expect(out).toMatch(/searchAsync on onnxruntime's GEMM, 2 queries: same hits as search/);
  }, 120_000);
});

describe("examples/matryoshka.ts (jina-clip v2)", () => {
  it("indexes at 16 of 32 dimensions, searches in four languages, refuses a full-width query", async () => {
    const out = await example("matryoshka.ts", []);
    expect(out).toMatch(/truncated: clipkit\/tiny-jina-clip-v2@[0-9a-f]{12}#d16 \[dim 16, normalized\]/);
    expect(out).toMatch(/indexed 4 images, 64 bytes each \(full: 128\)/);
    expect(out.match(/^"[^"]+": \S+\.png -?\d\.\d{4}, \S+\.png -?\d\.\d{4}$/gm)).toHaveLength(4);
    expect(out).toMatch(/full-width query on the 16-d index: SPACE_MISMATCH/);
  }, 120_000);
});
