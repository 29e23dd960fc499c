/**
 * Embed texts and images with a hub-layout CLIP/SigLIP folder or hub id and print the cosine matrix.
 *
 *   npx tsx --conditions=@clipkit/source examples/embed.ts [model-dir-or-hub-id] [image ...]
 *
 * Defaults to the committed tiny CLIP fixture (random weights: the numbers show the plumbing, not
 * semantics). Pass `Xenova/clip-vit-base-patch32` (downloaded once into the shared Hugging Face
 * cache) or a folder for real results.
 */
import { fileURLToPath } from "node:url";
import { loadClipModel } from "@clipkit/backend-node";
import { similarity } from "@clipkit/core";

const fixtures = fileURLToPath(new URL("../fixtures/models/", import.meta.url));
const [dir = `${fixtures}tiny-clip`, ...imageArgs] = process.argv.slice(2);
const images =
  imageArgs.length > 0
    ? imageArgs
    : ["gradient.png", "shapes.png", "noise.png"].map((f) => `${fixtures}images/${f}`);
const texts = ["a photo of a cat", "a red circle above a blue square", "colourful static noise"];

const model = await loadClipModel(dir, { intraOpThreads: 1 });
try {
  console.log(
    `model ${model.space.id} (${model.modelType}, ${model.layout.kind} graphs, dim ${model.space.dim})`,
  );
  console.log(`scoring ${JSON.stringify(model.scoring)} (from ${model.scoringSource})`);
  const t = await model.embedTexts(texts);
  const i = await model.embedImages(images, {
    onProgress: (done, total) => console.log(`images ${done}/${total}`),
  });
  // Rows: images, columns: texts; both normalised, so these are cosines.
  const cos = similarity(i, t);
  const name = (p: string): string => p.slice(p.lastIndexOf("/") + 1);
  console.log(`\n${"".padEnd(16)}${texts.map((x) => x.slice(0, 14).padStart(16)).join("")}`);
  for (let r = 0; r < i.count; r++) {
    const cells = texts.map((_, c) => cos[r * t.count + c]!.toFixed(4).padStart(16)).join("");
    console.log(`${name(images[r]!).padEnd(16)}${cells}`);
  }
} finally {
  await model.release();
}
