/**
 * Zero-shot classification end to end: labels → prompts (a domain pack and per-class overrides) →
 * a head built once → classify images → save and reload the head.
 *
 *   npx tsx --conditions=@clipkit/source examples/zero-shot.ts [MODEL_DIR] [IMAGES…]
 *
 * Defaults to the tiny test model in fixtures/models/tiny-clip, whose weights are random: its
 * rankings are meaningless, but every step runs exactly as with a real CLIP export (e.g. a
 * downloaded Xenova/clip-vit-base-patch32 folder).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadClipModel, loadHeadFile, saveHeadFile } from "@clipkit/backend-node";
import { buildZeroShotHead, describeSpace } from "@clipkit/core";
import { buildPrompts, getPack, imagenetTemplates7 } from "@clipkit/prompts";

const fixtures = fileURLToPath(new URL("../fixtures/models/", import.meta.url));
const [modelDir = join(fixtures, "tiny-clip"), ...argImages] = process.argv.slice(2);
const images =
  argImages.length > 0
    ? argImages
    : ["gradient.png", "gray.png", "noise.png", "shapes.png"].map((f) => join(fixtures, "images", f));

const model = await loadClipModel(modelDir);
console.log(
  `model: ${describeSpace(model.space)}, scoring ${model.scoring.kind} (scale ${model.scoring.logitScale})\n`,
);

// 1. Prompts: the photo pack, plus the 7 ImageNet templates, plus a class-specific description.
const labels = ["cat", "dog", "car", "diagram", "landscape"];
const classes = buildPrompts(labels, [...getPack("photo").templates, ...imagenetTemplates7], {
  overrides: { diagram: ["a chart with lines and labels", "a technical diagram of a {}"] },
});
console.log(`prompts per class: ${classes.map((c) => `${c.label} ${c.prompts.length}`).join(", ")}`);

// 2. Build the head once (each distinct text embedded once), with progress.
const head = await buildZeroShotHead(model, classes, {
  onProgress: (done, total) => process.stdout.write(`\r  encoded ${done}/${total} prompts`),
});
console.log("\n");

// 3. Classify: the model's own scoring (softmax for CLIP), with cosines and the OOD heuristic.
const results = await head.classifyImages(model, images, { topK: 3 });
results.forEach((r, i) => {
  const top = r.top.map((c) => `${c.label} ${c.score.toFixed(3)} (cos ${c.cosine.toFixed(3)})`).join(", ");
  const ood = r.ood.flagged ? `  ← out of domain? ${r.ood.reasons.join(", ")}` : "";
  console.log(`${images[i]!.split("/").pop()}: ${top}${ood}`);
});

// 4. The one-label pitfall: softmax always says 1.0; the cosine view does not.
const single = await buildZeroShotHead(model, { labels: ["cat"], templates: ["a photo of a {}."] });
const [one] = await single.classifyImages(model, images.slice(0, 1));
const [oneCos] = await single.classifyImages(model, images.slice(0, 1), { mode: "cosine" });
console.log(`\none label "cat": softmax ${one!.top[0]!.score} vs cosine ${oneCos!.top[0]!.score.toFixed(3)}`);

// 5. Save and reload: the text tower is not needed again.
const dir = await mkdtemp(join(tmpdir(), "clipkit-zero-shot-"));
const file = join(dir, "example.head");
await saveHeadFile(file, head, { example: "zero-shot.ts" });
const reloaded = await loadHeadFile(file, { space: model.space });
const again = await reloaded.classifyImages(model, images, { topK: 3 });
const same = JSON.stringify(again) === JSON.stringify(results);
console.log(`saved ${head.size}-class head to ${file}; reloaded results identical: ${same}`);
await rm(dir, { recursive: true, force: true });
await model.release();
