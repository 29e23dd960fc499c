/**
 * Zero-shot head cost on the tiny-clip fixture model: clipkit vs transformers.js 4.3.1, side by
 * side in one run, same model folder, same texts, same inference batch (32).
 *
 *   npx tsx --conditions=@clipkit/source bench/zeroshot.bench.ts [--classes 1000] [--templates 80] [--rounds 10]
 *
 * 1. Building an ImageNet head (in 10 interleaved slices of classes): `classes` ImageNet labels × `templates` OpenAI templates, every
 *    text through the text tower, normalise → average → renormalise per class. clipkit:
 *    `buildZeroShotHead`; transformers.js: `AutoTokenizer` + `CLIPTextModelWithProjection` in
 *    batches of 32 with the same ensembling in JS. Also reports how far the two heads differ.
 * 2. Classifying one image once the head exists (interleaved per image) (decode + preprocess + vision tower + scores over
 *    all classes). clipkit: `head.classifyImages`; transformers.js: `AutoProcessor` +
 *    `CLIPVisionModelWithProjection` + the same scoring against the prebuilt head. For reference,
 *    transformers.js's `zero-shot-image-classification` pipeline with the same labels and one
 *    template, which re-encodes every label on each call because it has no reusable head.
 *
 * The fixture model is tiny (dim 32), so absolute times are small; the text tower dominates the
 * build either way, and per-image costs are dominated by decode/preprocess, not the head.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadClipModel } from "@clipkit/backend-node";
import {
  buildZeroShotHead,
  type ClassPrompts,
  ensembleMean,
  promptsHash,
  softmax,
  topK,
  ZeroShotHead,
} from "@clipkit/core";
import { buildPrompts, imagenetClasses, imagenetTemplates80 } from "@clipkit/prompts";
import {
  AutoProcessor,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  env,
  pipeline,
  RawImage,
} from "@huggingface/transformers";

const { values } = parseArgs({
  options: {
    classes: { type: "string", default: "1000" },
    templates: { type: "string", default: "80" },
    rounds: { type: "string", default: "10" },
  },
});
const nClasses = Number.parseInt(values.classes, 10);
const nTemplates = Number.parseInt(values.templates, 10);
const rounds = Number.parseInt(values.rounds, 10);

const FIXTURES = fileURLToPath(new URL("../fixtures/models/", import.meta.url));
const MODEL = "tiny-clip";
const IMAGES = ["gradient.png", "gray.png", "noise.png", "shapes.png"].map((f) =>
  join(FIXTURES, "images", f),
);
const BATCH = 32;
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = FIXTURES;

const classes = buildPrompts(imagenetClasses.slice(0, nClasses), imagenetTemplates80.slice(0, nTemplates));
const texts = classes.flatMap((c) => c.prompts);
const seconds = (from: number) => (performance.now() - from) / 1000;

// --- 1. head build --------------------------------------------------------------------------
// The two peers build the head in interleaved slices of classes (alternating who goes first), so
// load from other processes on a shared machine hits both alike.
const model = await loadClipModel(join(FIXTURES, MODEL), { batchSize: BATCH });
const tokenizer = await AutoTokenizer.from_pretrained(MODEL);
const textModel = await CLIPTextModelWithProjection.from_pretrained(MODEL, { dtype: "fp32" });
const dim = model.space.dim;

async function tjsBuildWeights(slice: readonly ClassPrompts[]): Promise<Float32Array> {
  const sliceTexts = slice.flatMap((c) => c.prompts);
  const rows = new Float32Array(sliceTexts.length * dim);
  for (let i = 0; i < sliceTexts.length; i += BATCH) {
    const inputs = tokenizer(sliceTexts.slice(i, i + BATCH), { padding: true, truncation: true });
    const { text_embeds } = await textModel(inputs);
    rows.set(text_embeds.data as Float32Array, i * dim);
  }
  const out = new Float32Array(slice.length * dim);
  let offset = 0;
  slice.forEach((c, k) => {
    const n = c.prompts.length;
    out.set(ensembleMean(rows.subarray(offset * dim, (offset + n) * dim), dim), k * dim);
    offset += n;
  });
  return out;
}

const SLICES = 10;
const per = Math.ceil(classes.length / SLICES);
const clipkitWeights = new Float32Array(classes.length * dim);
const tjsWeights = new Float32Array(classes.length * dim);
let clipkitBuild = 0;
let tjsBuild = 0;
let start = 0;
for (let s = 0; s * per < classes.length; s++) {
  const slice = classes.slice(s * per, (s + 1) * per);
  const runs = [
    async () => {
      start = performance.now();
      const part = await buildZeroShotHead(model, slice);
      clipkitBuild += seconds(start);
      clipkitWeights.set(part.weights, s * per * dim);
    },
    async () => {
      start = performance.now();
      const part = await tjsBuildWeights(slice);
      tjsBuild += seconds(start);
      tjsWeights.set(part, s * per * dim);
    },
  ];
  if (s % 2 === 1) runs.reverse();
  for (const run of runs) await run();
}
const head = new ZeroShotHead({
  labels: classes.map((c) => c.label),
  weights: clipkitWeights,
  space: { ...model.space, normalized: true },
  scoring: model.scoring,
  promptsHash: promptsHash(classes),
});
let maxDiff = 0;
for (let i = 0; i < tjsWeights.length; i++)
  maxDiff = Math.max(maxDiff, Math.abs(tjsWeights[i]! - head.weights[i]!));

// --- 2. per-image classification with the built head -----------------------------------------
const logitScale = head.scoring.logitScale;
const processor = await AutoProcessor.from_pretrained(MODEL);
const visionModel = await CLIPVisionModelWithProjection.from_pretrained(MODEL, {
  dtype: "fp32",
  use_external_data_format: true,
});
async function tjsClassify(path: string) {
  const { image_embeds } = await visionModel(await processor(await RawImage.read(path)));
  const v = image_embeds.data as Float32Array;
  let n = 0;
  for (const x of v) n += x * x;
  const cos = new Float32Array(classes.length);
  for (let k = 0; k < classes.length; k++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += v[j]! * tjsWeights[k * dim + j]!;
    cos[k] = s / Math.sqrt(n);
  }
  return topK(softmax(cos, logitScale), 5);
}
await head.classifyImages(model, IMAGES); // warm-up both
await tjsClassify(IMAGES[0]!);
// Interleaved per image, alternating who goes first, as for the build.
let clipkitImageTime = 0;
let tjsImageTime = 0;
for (let r = 0; r < rounds; r++) {
  for (const [i, img] of IMAGES.entries()) {
    const runs = [
      async () => {
        start = performance.now();
        await head.classifyImages(model, [img], { topK: 5 });
        clipkitImageTime += seconds(start);
      },
      async () => {
        start = performance.now();
        await tjsClassify(img);
        tjsImageTime += seconds(start);
      },
    ];
    if ((r + i) % 2 === 1) runs.reverse();
    for (const run of runs) await run();
  }
}
const clipkitPerImage = (clipkitImageTime / (rounds * IMAGES.length)) * 1000;
const tjsPerImage = (tjsImageTime / (rounds * IMAGES.length)) * 1000;

const embedded = await model.embedImages(IMAGES);
start = performance.now();
for (let r = 0; r < rounds * 50; r++) head.classify(embedded, { topK: 5 });
const clipkitScoreOnly = (seconds(start) / (rounds * 50 * IMAGES.length)) * 1000;

const zeroShot = await pipeline("zero-shot-image-classification", MODEL, { dtype: "fp32" });
const labels = classes.map((c) => c.label);
await zeroShot(IMAGES[0]!, labels.slice(0, 2));
start = performance.now();
for (const img of IMAGES) await zeroShot(img, labels, { hypothesis_template: "a photo of a {}." });
const tjsPipelinePerImage = (seconds(start) / IMAGES.length) * 1000;

await model.release();

// --- report ----------------------------------------------------------------------------------
const fmt = (x: number, unit: string) => `${x < 10 ? x.toFixed(3) : x.toFixed(1)} ${unit}`;
const row = (name: string, a: string, b: string, ratio: string) =>
  `| ${name.padEnd(44)} | ${a.padStart(12)} | ${b.padStart(15)} | ${ratio.padStart(8)} |`;
console.log(
  `zero-shot head on ${MODEL} (dim ${dim}): ${classes.length} classes × ${nTemplates} templates = ${texts.length} texts, batch ${BATCH}\n`,
);
console.log(row("", "clipkit", "transformers.js", "tjs/ck"));
console.log(`|${"-".repeat(46)}|${"-".repeat(14)}|${"-".repeat(17)}|${"-".repeat(10)}|`);
console.log(
  row(
    "build head (s)",
    fmt(clipkitBuild, "s"),
    fmt(tjsBuild, "s"),
    `${(tjsBuild / clipkitBuild).toFixed(2)}×`,
  ),
);
console.log(
  row(
    "build throughput (texts/s)",
    (texts.length / clipkitBuild).toFixed(0),
    (texts.length / tjsBuild).toFixed(0),
    "",
  ),
);
console.log(
  row(
    "classify 1 image, prebuilt head (ms)",
    fmt(clipkitPerImage, "ms"),
    fmt(tjsPerImage, "ms"),
    `${(tjsPerImage / clipkitPerImage).toFixed(2)}×`,
  ),
);
console.log(row("  of which scoring only (ms, clipkit)", fmt(clipkitScoreOnly, "ms"), "", ""));
console.log(
  row(
    "tjs zero-shot pipeline, same labels (ms)",
    fmt(clipkitPerImage, "ms"),
    fmt(tjsPipelinePerImage, "ms"),
    `${(tjsPipelinePerImage / clipkitPerImage).toFixed(0)}×`,
  ),
);
console.log(`\nmax |clipkit head − transformers.js head| over all weights: ${maxDiff.toExponential(2)}`);
console.log(`rounds: ${rounds} × ${IMAGES.length} images per-image; 1 × ${IMAGES.length} for the pipeline`);
