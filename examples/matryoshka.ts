/**
 * Matryoshka widths and multilingual queries (jina-clip v2): index images at a truncated width,
 * search them in several languages, and see why a full-width vector cannot query that index.
 *
 *   npx tsx --conditions=@clipkit/source examples/matryoshka.ts [MODEL_DIR] [DIMENSIONS]
 *
 * Defaults to the tiny jina-clip v2 stand-in in fixtures/models/tiny-jina-clip-v2 (random weights:
 * rankings are meaningless, the plumbing is real) at 16 of its 32 dimensions. With a downloaded
 * jinaai/jina-clip-v2 folder pass e.g. 256 (its `matryoshka_dimensions`: 32…1024).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadClipModel } from "@clipkit/backend-node";
import { describeSpace, FlatIndex, isClipkitError, searchByText } from "@clipkit/core";

const fixtures = fileURLToPath(new URL("../fixtures/models/", import.meta.url));
const [modelDir = join(fixtures, "tiny-jina-clip-v2"), dims = "16"] = process.argv.slice(2);
const images = ["gradient.png", "gray.png", "noise.png", "shapes.png"].map((f) =>
  join(fixtures, "images", f),
);

// 1. The same folder at a truncated width: vectors are cut, then re-normalised; the space id says so.
const small = await loadClipModel(modelDir, { dimensions: Number(dims) });
const full = await loadClipModel(modelDir);
console.log(`full:      ${describeSpace(full.space)}`);
console.log(`truncated: ${describeSpace(small.space)}`);

// 2. Index the images at the small width: dims × 4 bytes per image (float32) instead of the full width.
const index = new FlatIndex<{ file: string }>(small.space);
const vectors = await small.embedImages(images);
index.add(
  images.map((_, i) => `img-${i}`),
  vectors,
  images.map((f) => ({ file: f.split("/").pop()! })),
);
console.log(`indexed ${index.size()} images, ${vectors.dim * 4} bytes each (full: ${full.space.dim * 4})\n`);

// 3. Multilingual text queries through the same (truncated) text tower.
const queries = ["a photo of a cat", "ein Foto einer Katze", "une photo d'un chat", "猫の写真"];
const hits = await searchByText(small, index, queries, { k: 2 });
hits.forEach((row, q) => {
  console.log(`"${queries[q]}": ${row.map((h) => `${h.metadata?.file} ${h.score.toFixed(4)}`).join(", ")}`);
});

// 4. A full-width query against the truncated index is refused, never silently mis-scored.
try {
  await searchByText(full, index, queries.slice(0, 1), { k: 1 });
} catch (error) {
  if (!isClipkitError(error)) throw error;
  console.log(`\nfull-width query on the ${dims}-d index: ${error.code}`);
}
await small.release();
await full.release();
