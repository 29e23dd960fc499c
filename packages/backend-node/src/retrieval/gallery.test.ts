import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import {
  ClipkitError,
  createEmbeddings,
  type EmbeddingSpace,
  FlatIndex,
  type ImageEmbedder,
} from "@clipkit/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type GalleryMetadata, updateGallery } from "./gallery.js";

const space: EmbeddingSpace = { id: "fake", dim: 4, normalized: true };

/** A stand-in model: a unit vector derived from the bytes, and a count of embedded images. */
function fakeModel(): ImageEmbedder<Uint8Array> & { embedded: number } {
  const m = {
    space,
    embedded: 0,
    async embedImages(inputs: readonly Uint8Array[]) {
      m.embedded += inputs.length;
      const data = new Float32Array(inputs.length * 4);
      inputs.forEach((b, i) => {
        const h = createHash("sha256").update(b).digest();
        let n = 0;
        for (let j = 0; j < 4; j++) n += (h[j]! + 1) ** 2;
        for (let j = 0; j < 4; j++) data[i * 4 + j] = (h[j]! + 1) / Math.sqrt(n);
      });
      return createEmbeddings(data, inputs.length, space);
    },
  };
  return m;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-gallery-"));
  await mkdir(join(dir, "A"));
  await mkdir(join(dir, "B"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const under = (root: string) => (p: string) => p.startsWith(join(dir, root) + sep);
const paths = (index: FlatIndex<GalleryMetadata>) =>
  index
    .state()
    .ids.map((id) => index.getMetadata(id)!)
    .map((m) => m.paths ?? [m.path])
    .map((ps) => ps.map((p) => p.slice(dir.length + 1)))
    .sort();

describe("updateGallery: entries are never lost, duplicated or left on a stale path", () => {
  it("indexing folder B after folder A keeps A's entries (scope), and --prune-style pruning drops vanished ones", async () => {
    await writeFile(join(dir, "A", "a1.png"), "a1");
    await writeFile(join(dir, "A", "a2.png"), "a2");
    await writeFile(join(dir, "B", "b1.png"), "b1");
    const index = new FlatIndex<GalleryMetadata>(space);
    const model = fakeModel();
    await updateGallery(index, model, [join(dir, "A", "a1.png"), join(dir, "A", "a2.png")], {
      inScope: under("A"),
    });
    const r = await updateGallery(index, model, [join(dir, "B", "b1.png")], { inScope: under("B") });
    expect(r).toMatchObject({ added: 1, removed: 0, kept: 2 });
    expect(paths(index)).toEqual([["A/a1.png"], ["A/a2.png"], ["B/b1.png"]]);
    await rm(join(dir, "A", "a2.png"));
    const same = await updateGallery(index, model, [join(dir, "B", "b1.png")], { inScope: under("B") });
    expect(same.removed).toBe(0);
    const pruned = await updateGallery(index, model, [join(dir, "B", "b1.png")], {
      inScope: under("B"),
      prune: true,
    });
    expect(pruned.removed).toBe(1);
    expect(paths(index)).toEqual([["A/a1.png"], ["B/b1.png"]]);
    expect(model.embedded).toBe(3);
  });

  it("a moved or renamed file keeps its entry (no re-embedding) with its current path", async () => {
    await writeFile(join(dir, "A", "old.png"), "x");
    const index = new FlatIndex<GalleryMetadata>(space);
    const model = fakeModel();
    await updateGallery(index, model, [join(dir, "A", "old.png")], { inScope: under("A") });
    await rename(join(dir, "A", "old.png"), join(dir, "A", "new.png"));
    const r = await updateGallery(index, model, [join(dir, "A", "new.png")], { inScope: under("A") });
    expect(r).toMatchObject({ added: 0, removed: 0, unchanged: 1, moved: 1 });
    expect(paths(index)).toEqual([["A/new.png"]]);
    expect(model.embedded).toBe(1);
  });

  it("identical files are one entry recording every path; deleting the first moves the entry to the other", async () => {
    await writeFile(join(dir, "A", "1.png"), "same");
    await writeFile(join(dir, "A", "2.png"), "same");
    const index = new FlatIndex<GalleryMetadata>(space);
    const model = fakeModel();
    const files = [join(dir, "A", "1.png"), join(dir, "A", "2.png")];
    const first = await updateGallery(index, model, files, { inScope: under("A") });
    expect(first.duplicates).toEqual([{ id: expect.any(String), paths: files }]);
    expect(index.size()).toBe(1);
    await rm(files[0]!);
    const r = await updateGallery(index, model, [files[1]!], { inScope: under("A") });
    expect(r).toMatchObject({ removed: 0, moved: 1, duplicates: [] });
    expect(index.getMetadata(index.state().ids[0]!)).toEqual({ path: files[1] });
  });

  it("an edited file replaces its old entry; a file found in two scopes keeps both paths", async () => {
    await writeFile(join(dir, "A", "f.png"), "v1");
    await writeFile(join(dir, "B", "f.png"), "v1");
    const index = new FlatIndex<GalleryMetadata>(space);
    const model = fakeModel();
    await updateGallery(index, model, [join(dir, "A", "f.png")], { inScope: under("A") });
    await updateGallery(index, model, [join(dir, "B", "f.png")], { inScope: under("B") });
    expect(paths(index)).toEqual([["A/f.png", "B/f.png"]]);
    await writeFile(join(dir, "A", "f.png"), "v2");
    const r = await updateGallery(index, model, [join(dir, "A", "f.png")], { inScope: under("A") });
    expect(r).toMatchObject({ added: 1, removed: 0, moved: 1 });
    expect(paths(index)).toEqual([["A/f.png"], ["B/f.png"]]);
  });

  it("without a scope the index mirrors the list exactly (deleted files removed)", async () => {
    await writeFile(join(dir, "A", "x.png"), "x");
    await writeFile(join(dir, "A", "y.png"), "y");
    const index = new FlatIndex<GalleryMetadata>(space);
    const model = fakeModel();
    await updateGallery(index, model, [join(dir, "A", "x.png"), join(dir, "A", "y.png")]);
    const r = await updateGallery(index, model, [join(dir, "A", "y.png")]);
    expect(r).toMatchObject({ removed: 1, unchanged: 1 });
    expect(paths(index)).toEqual([["A/y.png"]]);
  });

  it("a file over the size limit or not a regular file is reported, not read", async () => {
    await writeFile(join(dir, "A", "big.png"), "0123456789");
    const index = new FlatIndex<GalleryMetadata>(space);
    const r = await updateGallery(index, fakeModel(), [join(dir, "A", "big.png"), join(dir, "A")], {
      maxFileBytes: 5,
    });
    expect(r.failed.map((f) => f.code)).toEqual(["IO_FAILED", "IMAGE_TOO_LARGE"]);
    expect(index.size()).toBe(0);
  });
});

describe("updateGallery: repeated paths and identical bad files", () => {
  it("a path listed twice is one file: embedded once, not reported as its own duplicate", async () => {
    await writeFile(join(dir, "A", "a.png"), "a");
    const index = new FlatIndex<GalleryMetadata>(space);
    const model = fakeModel();
    const p = join(dir, "A", "a.png");
    const r = await updateGallery(index, model, [p, p]);
    expect(r).toMatchObject({ added: 1, duplicates: [], failed: [] });
    expect(model.embedded).toBe(1);
    expect(index.getMetadata(index.state().ids[0]!)).toEqual({ path: p });
  });

  it("identical files that fail are each reported failed once, and not as a duplicate entry", async () => {
    await writeFile(join(dir, "A", "x.png"), "bad");
    await writeFile(join(dir, "B", "x.png"), "bad");
    const index = new FlatIndex<GalleryMetadata>(space);
    const model = fakeModel();
    const failing: ImageEmbedder<Uint8Array> = {
      space,
      embedImages: async () => {
        throw new ClipkitError("IMAGE_DECODE_FAILED", "cannot decode image");
      },
    };
    const files = [join(dir, "A", "x.png"), join(dir, "B", "x.png")];
    const r = await updateGallery(index, failing, files);
    expect(r.duplicates).toEqual([]);
    expect(r.failed.map((f) => f.path)).toEqual(files);
    expect(index.size()).toBe(0);
    // Identical good files are still one entry and a duplicate.
    const ok = await updateGallery(index, model, files);
    expect(ok.duplicates).toHaveLength(1);
  });
});
