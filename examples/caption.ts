/**
 * Image captioning end to end: load a model folder, caption a batch greedily and with beam
 * search (several candidates with scores), then stream one caption token by token.
 *
 *   npx tsx --conditions=@clipkit/source examples/caption.ts [MODEL_DIR] [IMAGES…]
 *
 * Defaults to fixtures/models/tiny-captioner, a tiny ViT-GPT2 (a transformers
 * VisionEncoderDecoderModel) trained on coloured shapes (it knows 4 colours, 3 shapes, 2
 * backgrounds). A transformers.js image-to-text export such as
 * Xenova/vit-gpt2-image-captioning, a LLaVA-style folder, or an open_clip CoCa folder
 * (fixtures/models/tiny-coca, see docs/captioning-vqa.md), works the same way.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCaptioner } from "@clipkit/backend-node";

const fixture = fileURLToPath(new URL("../fixtures/models/tiny-captioner/", import.meta.url));
const [modelDir = fixture, ...argImages] = process.argv.slice(2);
const images =
  argImages.length > 0
    ? argImages
    : readdirSync(join(fixture, "images"))
        .filter((f) => f.endsWith(".png"))
        .map((f) => join(fixture, "images", f));

const captioner = await loadCaptioner(modelDir);
console.log(`layout: ${captioner.family}\n`);

// 1. Greedy, all images in one batch.
const started = performance.now();
const greedy = await captioner.caption(images, { maxNewTokens: 20 });
console.log(`greedy (${(performance.now() - started).toFixed(0)} ms for ${images.length} images):`);
for (const [i, r] of greedy.entries()) console.log(`  ${images[i]!.split("/").at(-1)}: ${r.text.trim()}`);

// 2. Beam search with 3 beams, returning all 3 finished hypotheses and their scores.
const beams = await captioner.caption(images.slice(0, 1), { numBeams: 3, numReturnSequences: 3 });
console.log("\nbeam search (3 beams) for the first image:");
for (const s of beams[0]!.sequences) console.log(`  ${s.score!.toFixed(4)}  ${s.text.trim()}`);

// 3. Streaming: text deltas as tokens arrive (pass an AbortSignal to stop early).
process.stdout.write("\nstreamed: ");
for await (const chunk of captioner.captionStream(images.slice(0, 1))) process.stdout.write(chunk.text);
process.stdout.write("\n");
await captioner.release();

// 4. A weight variant by its transformers.js name (onnx/*_quantized.onnx), when the folder has it.
if (modelDir === fixture) {
  const quantized = await loadCaptioner(modelDir, { dtype: "quantized" });
  const [q] = await quantized.caption(images.slice(0, 1));
  console.log(`\nquantized weights: ${q!.text.trim()}`);
  await quantized.release();
}
