/**
 * Teach clipkit your own categories from a folder of examples: one sub-folder per category,
 * a handful of images in each. The images are embedded once by a frozen CLIP, a few-shot head is
 * trained on the embeddings (TypeScript loops, onnxruntime's GEMM for the products; no Python, no
 * GPU), validated, saved, reloaded and used to classify new images with the zero-shot head's
 * `classify()` API.
 *
 *   npx tsx --conditions=@clipkit/source examples/few-shot.ts [FOLDER] [--method probe|zs-probe|tip|tip-f]
 *
 * FOLDER/<category>/*.png|jpg|webp… — the category name is the folder name (also the zero-shot
 * label the zs-probe/tip methods start from). Without FOLDER, a demo folder is rendered into the OS
 * temp folder: 6 Twemoji categories on coloured backgrounds (outside the bundled emoji model's
 * training data), 8 images each, plus 4 new images per category to classify afterwards.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { parseArgs } from "node:util";
import { loadClipModel, nodeBackend } from "@clipkit/backend-node";
import {
  type AdapterMethod,
  buildZeroShotHead,
  evaluateHead,
  loadAdaptedHead,
  saveAdaptedHead,
  trainHeadAsync,
} from "@clipkit/core";
import { emojiModelDir, emojiModelScoring } from "@clipkit/model-emoji";
import { tileSheet, twemojiConcepts } from "../tools/data/fewshot-set.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { method: { type: "string", default: "zs-probe" }, model: { type: "string" } },
});
const method = values.method as AdapterMethod;
const IMAGE = new Set([".png", ".jpg", ".jpeg", ".webp", ".gif", ".avif", ".tif", ".tiff"]);

/** A demo folder of categories rendered from Twemoji (train/ and new/ images). */
async function demoFolder(): Promise<{ train: string; fresh: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "clipkit-few-shot-"));
  const { concepts, render } = twemojiConcepts(300);
  const chosen = [12, 60, 101, 150, 222, 280].map((i) => concepts[i]!);
  for (const c of chosen) {
    for (const [part, from, count] of [
      ["train", 0, 8],
      ["new", 100, 4],
    ] as const) {
      await mkdir(join(dir, part, c.label), { recursive: true });
      for (let d = 0; d < count; d++) {
        await writeFile(
          join(dir, part, c.label, `${d}.png`),
          await tileSheet([await render(c, from + d)], 1),
        );
      }
    }
  }
  return {
    train: join(dir, "train"),
    fresh: join(dir, "new"),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** `folder/<category>/<image>` → image paths and their category labels. */
async function readFolder(folder: string): Promise<{ paths: string[]; labels: string[] }> {
  const paths: string[] = [];
  const labels: string[] = [];
  for (const entry of (await readdir(folder, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    if (!entry.isDirectory()) continue;
    for (const file of (await readdir(join(folder, entry.name))).sort()) {
      if (!IMAGE.has(extname(file).toLowerCase())) continue;
      paths.push(join(folder, entry.name, file));
      labels.push(entry.name);
    }
  }
  return { paths, labels };
}

const demo = positionals[0] ? undefined : await demoFolder();
const folder = positionals[0] ?? demo!.train;
const model = await loadClipModel(
  values.model ?? emojiModelDir,
  values.model ? {} : { scoring: emojiModelScoring() },
);
const { paths, labels } = await readFolder(folder);
const categories = [...new Set(labels)];
console.log(`${paths.length} images in ${categories.length} categories from ${folder}`);

// 1. Embed every example once (the expensive part; cache these for re-training).
const embeddings = await model.embedImages(paths, { batchSize: 32 });
// 2. Zero-shot head over the category names: the starting point of zs-probe / tip / tip-f.
const zeroShot = await buildZeroShotHead(model, { labels: categories, templates: ["{}"] });
// 3. Train; hyper-parameters are chosen on a 25 % validation split, then refitted on everything.
//    trainHeadAsync runs the large products on onnxruntime's GEMM (`trainHead` is the synchronous,
//    WebAssembly-kernel twin; same algorithm, heads equal up to float32 rounding).
const t0 = performance.now();
const head = await trainHeadAsync(
  method,
  { embeddings, labels },
  { zeroShot, valFraction: 0.25, seed: 1, backend: nodeBackend({ intraOpThreads: 1 }) },
);
const a = head.adapter;
console.log(
  `trained ${a.method} in ${(performance.now() - t0).toFixed(0)} ms on ${a.examples} images (${a.shots}+ per category), ` +
    `chosen ${JSON.stringify(a.hyper)} by ${a.selection}` +
    (a.heldOut ? `, validation top-1 ${(100 * a.heldOut.accuracy).toFixed(1)} %` : ""),
);
// 4. Save and reload: one versioned, checksummed file records method, shots, seed and model space.
const file = join(tmpdir(), `clipkit-few-shot-${process.pid}.ckhead`);
await writeFile(file, saveAdaptedHead(head, { source: folder }));
const reloaded = loadAdaptedHead(new Uint8Array(await readFile(file)), { space: model.space });
await rm(file);

// 5. Classify new images, with the same classify() API as a zero-shot head.
const fresh = demo ? await readFolder(demo.fresh) : { paths: paths.slice(0, 4), labels: labels.slice(0, 4) };
const freshEmbeddings = await model.embedImages(fresh.paths);
const results = reloaded.classify(freshEmbeddings);
results.forEach((r, i) => {
  const best = r.top[0]!;
  const mark = best.label === fresh.labels[i] ? "✓" : "✗";
  console.log(
    `${mark} ${fresh.labels[i]!.padEnd(28)} → ${best.label} (${(100 * best.score).toFixed(0)} %)${r.ood.flagged ? ` [ood: ${r.ood.reasons.join(", ")}]` : ""}`,
  );
});
const zs = zeroShot
  .classify(freshEmbeddings, { topK: 1 })
  .filter((r, i) => r.top[0]!.label === fresh.labels[i]).length;
console.log(
  `new images: ${method} top-1 ${(100 * evaluateHead(reloaded, { embeddings: freshEmbeddings, labels: fresh.labels }).accuracy).toFixed(0)} %, zero-shot top-1 ${((100 * zs) / fresh.paths.length).toFixed(0)} %`,
);
await model.release();
await demo?.cleanup();
