/**
 * BLIP captioning and VQA: unconditional captions, conditional captions that continue a text
 * prefix ("a picture of"), beam search, and questions answered by a BlipForQuestionAnswering
 * model (question encoder attending to the image, then the answer decoder).
 *
 *   npx tsx --conditions=@clipkit/source examples/blip.ts [CAPTION_DIR] [VQA_DIR] [IMAGES…]
 *
 * Defaults to fixtures/models/tiny-blip and tiny-blip-vqa: the real transformers classes at toy
 * size with random weights (built by tools/fixtures/blip/build.py), so the words are noise — but
 * exactly the tokens transformers' generate() produces. A real BLIP needs the ONNX layout
 * described in docs/captioning-vqa.md (onnx/vision_model, [text_encoder,] decoder_model_merged).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCaptioner, loadVqa } from "@clipkit/backend-node";

const root = fileURLToPath(new URL("..", import.meta.url));
const [
  captionDir = join(root, "fixtures/models/tiny-blip"),
  vqaDir = join(root, "fixtures/models/tiny-blip-vqa"),
  ...argImages
] = process.argv.slice(2);
const images =
  argImages.length > 0
    ? argImages
    : ["chelsea.jpg", "coffee.jpg"].map((f) => join(root, "tools/fixtures/images", f));
const name = (path: string) => path.split("/").at(-1);

const captioner = await loadCaptioner(captionDir);
console.log(`captioner family: ${captioner.family}`);

// 1. Unconditional captions, every image in one batch.
for (const [i, r] of (await captioner.caption(images, { maxNewTokens: 12 })).entries())
  console.log(`  ${name(images[i]!)}: ${r.text}`);

// 2. Conditional captioning: the decoder continues "a picture of" (the text is the continuation).
const prompt = "a picture of";
for (const [i, r] of (await captioner.caption(images, { prompt, maxNewTokens: 12, numBeams: 3 })).entries())
  console.log(`  ${name(images[i]!)} (beam 3): ${prompt} ${r.text}`);
await captioner.release();

// 3. VQA: one image, several questions in one call; the first answer streamed.
const vqa = await loadVqa(vqaDir);
console.log(`\nVQA family: ${vqa.family}`);
const questions = ["what is in the picture?", "how many cats are there?"];
const answers = await vqa.askMany(
  questions.map((question) => ({ image: images[0]!, question })),
  { maxNewTokens: 8 },
);
for (const [i, a] of answers.entries()) console.log(`  Q: ${questions[i]}  A: ${a.text}`);
process.stdout.write(`  streamed: `);
for await (const chunk of vqa.askStream(images[0]!, questions[0]!, { maxNewTokens: 8 }))
  process.stdout.write(chunk.text);
process.stdout.write("\n");
await vqa.release();
