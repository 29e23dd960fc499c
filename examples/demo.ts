/**
 * `pnpm demo`: the README's first command. Runs on a fresh clone with nothing downloaded: the
 * bundled emoji CLIP (`@clipkit/model-emoji`, trained by clipkit) classifies a few bundled images
 * zero-shot, then searches the bundled gallery by text and by image.
 *
 *   npx tsx --conditions=@clipkit/source examples/demo.ts
 *
 * The images in examples/demo-assets are Twemoji renderings (CC-BY-4.0, see ATTRIBUTION.md): a
 * style the model never trained on (it was its validation style).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluateZeroShot, loadClipModel, readEvalManifest } from "@clipkit/backend-node";
import { buildZeroShotHead, similarityMatrix, topK } from "@clipkit/core";
import { emojiModelDir, emojiModelScoring } from "@clipkit/model-emoji";
import { getPack } from "@clipkit/prompts";

const assets = join(import.meta.dirname, "demo-assets");
const gallery = readFileSync(join(assets, "manifest.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as { image: string; label: string; unseen: boolean });
const name = (i: number) => gallery[i]!.image.replace(/^images\//, "");
const started = Date.now();

const model = await loadClipModel(emojiModelDir, { scoring: emojiModelScoring() });
console.log(
  `clipkit demo — bundled model ${model.space.id} (${model.space.dim}-d), ${gallery.length} images\n`,
);
const images = await model.embedImages(gallery.map((g) => join(assets, g.image)));

// 1. Zero-shot classification: every gallery label plus a few distractors, through the emoji pack.
const labels = [...gallery.map((g) => g.label), "banana", "cloud", "sad cat", "football", "train"];
const head = await buildZeroShotHead(model, { labels, templates: getPack("emoji").templates });
console.log(`Zero-shot: ${labels.length} labels × ${getPack("emoji").templates.length} emoji templates`);
const results = head.classify(images, { topK: 3 });
for (const i of [0, 1, 2, 3, 5, 11]) {
  const top = results[i]!.top.map((c) => `${c.label} ${(100 * c.score).toFixed(1)}%`).join(", ");
  const mark = results[i]!.top[0]!.label === gallery[i]!.label ? "✓" : "✗";
  // Unseen concepts were held out of training in every style: zero-shot in the strict sense.
  const note = gallery[i]!.unseen ? "  (unseen concept)" : "";
  console.log(`  ${mark} ${name(i).padEnd(18)} → ${top}${note}`);
}
const correct = results.filter((r, i) => r.top[0]!.label === gallery[i]!.label).length;
console.log(`  top-1 on all ${gallery.length} images: ${correct}/${gallery.length}`);

// 2. Text → image search over the gallery.
const queries = ["a red heart", "a cat face", "a slice of pizza", "a car", "a crying face", "fire"];
const texts = await model.embedTexts(queries);
const byText = similarityMatrix(texts.data, images.data, images.dim);
console.log("\nText search (cosine):");
for (const [q, query] of queries.entries()) {
  const hits = topK(byText.subarray(q * gallery.length, (q + 1) * gallery.length), 3);
  console.log(
    `  ${JSON.stringify(query).padEnd(26)} → ${hits.map((h) => `${name(h.index)} ${h.score.toFixed(3)}`).join(", ")}`,
  );
}

// 3. Image → image search: nearest neighbours of a few gallery images (themselves excluded).
const byImage = similarityMatrix(images.data, images.data, images.dim);
console.log("\nImage search (cosine):");
for (const i of [13, 16, 4]) {
  const scores = byImage.slice(i * gallery.length, (i + 1) * gallery.length);
  scores[i] = Number.NEGATIVE_INFINITY;
  const hits = topK(scores, 3);
  console.log(
    `  ${name(i).padEnd(18)} → ${hits.map((h) => `${name(h.index)} ${h.score.toFixed(3)}`).join(", ")}`,
  );
}

// 4. The same images as a `clipkit eval` manifest: CLIP_benchmark-style numbers (docs/eval.md).
const manifest = await readEvalManifest(join(assets, "manifest.jsonl"));
const report = await evaluateZeroShot(model, manifest, ["a photo of a {}."], { images });
const m = report.metrics;
console.log(
  `\nclipkit eval zeroshot, "a photo of a {}." (held out of training): top-1 ${(100 * m.topK[1]!).toFixed(1)}%, ` +
    `top-5 ${(100 * m.topK[5]!).toFixed(1)}% over ${m.classes} classes (chance ${(100 * m.chance.topK[1]!).toFixed(1)}%)`,
);

await model.release();
console.log(
  `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Try: npx -y pnpm@12.4.2 clipkit classify examples/demo-assets/images/rocket.png --labels "rocket,pizza,cat face" --templates emoji`,
);
