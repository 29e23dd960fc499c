/**
 * Index a folder of images, then search it by text and by image; reruns are incremental.
 *
 *   npx tsx --conditions=@clipkit/source examples/gallery-search.ts [model-dir] [image-folder] [index-file]
 *
 * Defaults to the committed tiny CLIP fixture and its test images (random weights: the ranking
 * shows the plumbing, not semantics — point it at a downloaded `Xenova/clip-vit-base-patch32`
 * folder and your photos for real results). The same flow is on the CLI as `clipkit index` and
 * `clipkit search`.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  expandImageArgs,
  type GalleryMetadata,
  loadClipModel,
  loadFlatIndexFile,
  nodeBackend,
  openOrCreateFlatIndexFile,
  saveFlatIndexFile,
  updateGallery,
} from "@clipkit/backend-node";
import { searchByImage, searchByText } from "@clipkit/core";

const fixtures = fileURLToPath(new URL("../fixtures/models/", import.meta.url));
const [
  modelDir = `${fixtures}tiny-clip`,
  folder = `${fixtures}images`,
  indexPath = join(tmpdir(), "clipkit-gallery-example.ckidx"),
] = process.argv.slice(2);

const model = await loadClipModel(modelDir, { intraOpThreads: 1 });
try {
  // 1. Open the index (or start one) and bring it in line with the folder. Ids are content
  //    hashes: a second run embeds nothing unless files were added, edited or deleted.
  const { index, created } = await openOrCreateFlatIndexFile<GalleryMetadata>(indexPath, model.space);
  const paths = await expandImageArgs([folder]);
  const report = await updateGallery(index, model, paths, {
    checkpoint: () => saveFlatIndexFile(index, indexPath), // atomic: a crash keeps the last good file
    onProgress: (done, total) => total > 0 && console.log(`embedded ${done}/${total}`),
  });
  console.log(
    `${created ? "created" : "updated"} ${indexPath}: ${index.size()} images ` +
      `(+${report.added} −${report.removed} =${report.unchanged}, ${report.failed.length} skipped)`,
  );

  // 2. Text → images.
  const texts = ["a red circle above a blue square", "colourful static noise"];
  const byText = await searchByText(model, index, texts, { k: 3 });
  texts.forEach((t, q) => {
    console.log(`\n"${t}"`);
    for (const h of byText[q]!) console.log(`  ${h.score.toFixed(4)}  ${h.metadata?.path}`);
  });

  // 3. Image → similar images (the query image itself, if indexed, comes first with cos ≈ 1).
  const query = paths[0]!;
  const [similar] = await searchByImage(model, index, [query], { k: 3 });
  console.log(`\nimages like ${query}`);
  for (const h of similar!) console.log(`  ${h.score.toFixed(4)}  ${h.metadata?.path}`);

  // 4. Many queries at once: reopened with a backend, the index scans batches on onnxruntime's
  //    GEMM (MLAS) instead of the WebAssembly kernel — the same exact hits, several times faster
  //    at 100k × 512 (docs/performance.md#exact-search).
  const backend = nodeBackend();
  const onGemm = await loadFlatIndexFile<GalleryMetadata>(indexPath, { backend });
  const queries = await model.embedTexts(texts);
  const same =
    JSON.stringify(await onGemm.searchAsync(queries, { k: 3 })) ===
    JSON.stringify(index.search(queries, { k: 3 }));
  console.log(
    `\nsearchAsync on onnxruntime's GEMM, ${texts.length} queries: ${same ? "same hits as search" : "DIFFERENT hits"}`,
  );
} finally {
  await model.release();
}
