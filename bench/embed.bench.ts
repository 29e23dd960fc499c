/**
 * Embedding throughput on the tiny-clip fixture: clipkit's `loadClipModel` vs transformers.js
 * 4.3.1 (`AutoTokenizer`/`AutoProcessor` + `CLIP{Text,Vision}ModelWithProjection`), side by side
 * in one run, same folder, same inputs, same batch sizes, both on onnxruntime-node CPU with one
 * intra-op thread. Also prints how far apart the two libraries' embeddings are, and the physical
 * limit: the same ONNX graphs run through raw onnxruntime-node sessions on inputs tokenised and
 * preprocessed beforehand (inference alone, no decoding, tokenising or copying).
 *
 *   npx tsx --conditions=@clipkit/source bench/embed.bench.ts [--texts 512] [--images 64] [--rounds 5]
 *
 * The model is tiny (width 64, 32 px images), so this measures per-call overhead — tokenising,
 * decoding, preprocessing, tensor plumbing — more than inference; real models shift the ratio
 * towards 1 as onnxruntime dominates.
 *
 * "min cos" compares the two libraries row by row. Texts agree to 1.000000. Images do not:
 * transformers.js resizes with sharp, not Pillow's bicubic, and its pixels differ from the
 * Pillow reference by up to 2.45 (normalised units) on the high-frequency noise.png, giving cos
 * 0.908 there (0.9992–0.9998 on the smooth images), while clipkit matches the PyTorch + Pillow
 * reference at cos ≥ 0.99999 (packages/backend-node/src/model/load.test.ts).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { decodeImage, loadClipModel, nodeFiles } from "@clipkit/backend-node";
import { loadTokenizer, parsePreprocessorConfig, preprocessBatch } from "@clipkit/core";
import {
  AutoProcessor,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  env,
  RawImage,
  type Tensor,
} from "@huggingface/transformers";
import * as ort from "onnxruntime-node";

const { values } = parseArgs({
  options: {
    texts: { type: "string", default: "512" },
    images: { type: "string", default: "64" },
    rounds: { type: "string", default: "5" },
  },
});
const nTexts = Number.parseInt(values.texts, 10);
const nImages = Number.parseInt(values.images, 10);
const rounds = Number.parseInt(values.rounds, 10);

const FIXTURES = fileURLToPath(new URL("../fixtures/models/", import.meta.url));
const MODEL = "tiny-clip";
const TEXT_BATCH = 32;
const IMAGE_BATCH = 16;
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = FIXTURES;

const words = [
  "cat",
  "dog",
  "red car",
  "diagram",
  "mountain lake",
  "city at night",
  "bowl of soup",
  "guitar",
];
const texts = Array.from({ length: nTexts }, (_, i) => `a photo of a ${words[i % words.length]} number ${i}`);
const files = ["gradient.png", "gray.png", "noise.png", "shapes.png"];
const images = Array.from({ length: nImages }, (_, i) => join(FIXTURES, "images", files[i % files.length]!));

const sessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const clip = await loadClipModel(join(FIXTURES, MODEL), { intraOpThreads: 1, interOpThreads: 1 });
const tokenizer = await AutoTokenizer.from_pretrained(MODEL);
const textModel = await CLIPTextModelWithProjection.from_pretrained(MODEL, {
  dtype: "fp32",
  session_options: sessionOptions,
});
const processor = await AutoProcessor.from_pretrained(MODEL);
const visionModel = await CLIPVisionModelWithProjection.from_pretrained(MODEL, {
  dtype: "fp32",
  session_options: sessionOptions,
});

// Raw onnxruntime: inputs prepared once, outside the timed region.
const dir = join(FIXTURES, MODEL);
const rawOptions: ort.InferenceSession.SessionOptions = { ...sessionOptions, graphOptimizationLevel: "all" };
const rawText = await ort.InferenceSession.create(join(dir, "onnx/text_model.onnx"), rawOptions);
const rawVision = await ort.InferenceSession.create(join(dir, "onnx/vision_model.onnx"), rawOptions);
const bpe = await loadTokenizer(nodeFiles(dir));
const textFeeds: Record<string, ort.Tensor>[] = [];
for (let i = 0; i < texts.length; i += TEXT_BATCH) {
  const enc = bpe.encodeBatch(texts.slice(i, i + TEXT_BATCH), { padding: "longest" });
  const dims = [enc.inputIds.length, enc.inputIds[0]!.length];
  const toTensor = (rows: number[][]) =>
    new ort.Tensor("int64", BigInt64Array.from(rows.flat(), BigInt), dims);
  const feeds: Record<string, ort.Tensor> = { input_ids: toTensor(enc.inputIds) };
  if (rawText.inputNames.includes("attention_mask")) feeds.attention_mask = toTensor(enc.attentionMask);
  textFeeds.push(feeds);
}
const pre = parsePreprocessorConfig(JSON.parse(await nodeFiles(dir).readText("preprocessor_config.json")));
const decoded = await Promise.all(images.map((p) => decodeImage(p)));
const visionFeeds: Record<string, ort.Tensor>[] = [];
for (let i = 0; i < decoded.length; i += IMAGE_BATCH) {
  const batch = preprocessBatch(decoded.slice(i, i + IMAGE_BATCH), pre);
  visionFeeds.push({ pixel_values: new ort.Tensor("float32", batch.data, batch.dims) });
}
async function rawRun(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>[]): Promise<void> {
  for (const f of feeds) await session.run(f);
}

async function tfTexts(): Promise<Float32Array> {
  const out: number[] = [];
  for (let i = 0; i < texts.length; i += TEXT_BATCH) {
    const inputs = tokenizer(texts.slice(i, i + TEXT_BATCH), { padding: true, truncation: true });
    const { text_embeds } = (await textModel(inputs)) as { text_embeds: Tensor };
    out.push(...(text_embeds.data as Float32Array));
  }
  return Float32Array.from(out);
}

async function tfImages(): Promise<Float32Array> {
  const out: number[] = [];
  for (let i = 0; i < images.length; i += IMAGE_BATCH) {
    const raws = await Promise.all(images.slice(i, i + IMAGE_BATCH).map((p) => RawImage.read(p)));
    const { image_embeds } = (await visionModel(await processor(raws))) as { image_embeds: Tensor };
    out.push(...(image_embeds.data as Float32Array));
  }
  return Float32Array.from(out);
}

/** Smallest cosine between corresponding rows (transformers.js rows are not normalised). */
function minCosine(a: Float32Array, b: Float32Array, dim: number): number {
  let worst = 1;
  for (let r = 0; r < a.length / dim; r++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = 0; k < dim; k++) {
      dot += a[r * dim + k]! * b[r * dim + k]!;
      na += a[r * dim + k]! ** 2;
      nb += b[r * dim + k]! ** 2;
    }
    worst = Math.min(worst, dot / Math.sqrt(na * nb));
  }
  return worst;
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const cases = [
  {
    name: `embed ${nTexts} texts (batch ${TEXT_BATCH})`,
    count: nTexts,
    clipkit: async () => (await clip.embedTexts(texts, { batchSize: TEXT_BATCH })).data,
    peer: tfTexts,
    raw: () => rawRun(rawText, textFeeds),
  },
  {
    name: `embed ${nImages} PNG files (batch ${IMAGE_BATCH})`,
    count: nImages,
    clipkit: async () => (await clip.embedImages(images, { batchSize: IMAGE_BATCH })).data,
    peer: tfImages,
    raw: () => rawRun(rawVision, visionFeeds),
  },
];

console.log(`embedding on fixtures/models/${MODEL} (dim ${clip.space.dim}), ${rounds} rounds, median ms\n`);
console.log(
  `${"case".padEnd(36)}${"clipkit".padStart(10)}${"tf.js".padStart(10)}${"ratio".padStart(8)}${"items/s".padStart(10)}${"min cos".padStart(11)}${"raw ort".padStart(10)}${"ck/raw".padStart(8)}`,
);
for (const c of cases) {
  const a: number[] = [];
  const b: number[] = [];
  const raw: number[] = [];
  let agreement = 1;
  await c.clipkit(); // warm-up both: first runs allocate arenas
  await c.peer();
  await c.raw();
  for (let r = 0; r < rounds; r++) {
    raw.push((await time(c.raw)).ms);
    // Alternate order so neither side always runs on a warmer cache.
    const first = r % 2 === 0;
    const x = first ? await time(c.clipkit) : await time(c.peer);
    const y = first ? await time(c.peer) : await time(c.clipkit);
    const [ck, tf] = first ? [x, y] : [y, x];
    a.push(ck.ms);
    b.push(tf.ms);
    agreement = Math.min(agreement, minCosine(ck.value, tf.value, clip.space.dim));
  }
  const ma = median(a);
  const mb = median(b);
  const mr = median(raw);
  console.log(
    `${c.name.padEnd(36)}${ma.toFixed(1).padStart(10)}${mb.toFixed(1).padStart(10)}${(mb / ma).toFixed(2).padStart(8)}${((c.count / ma) * 1000).toFixed(0).padStart(10)}${agreement.toFixed(6).padStart(11)}${mr.toFixed(1).padStart(10)}${(ma / mr).toFixed(2).padStart(8)}`,
  );
}
console.log("\nratio = transformers.js time / clipkit time (> 1: clipkit faster).");
console.log(
  "raw ort = inference alone on pre-built tensors; ck/raw = clipkit time / raw time (1 = no overhead).",
);
await clip.release();
