/**
 * Visual question answering with both supported layouts: an image-to-text encoder-decoder
 * (question as decoder prefix) and a LLaVA-style model (question in the prompt template).
 * Shows a streamed answer, a batch of questions, and cancelling with an AbortSignal.
 *
 *   npx tsx --conditions=@clipkit/source examples/vqa.ts [MODEL_DIR] [IMAGE] [QUESTION]
 *
 * Without arguments it runs the two tiny fixtures (fixtures/models/tiny-captioner and
 * tiny-llava), trained on coloured shapes: ask about the colour, the shape or the background.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadVqa } from "@clipkit/backend-node";
import { isClipkitError } from "@clipkit/core";

const fixtures = fileURLToPath(new URL("../fixtures/models/", import.meta.url));
const [argModel, argImage, argQuestion] = process.argv.slice(2);
const image = argImage ?? join(fixtures, "tiny-captioner/images/blue-square-black.png");
const models = argModel ? [argModel] : [join(fixtures, "tiny-captioner"), join(fixtures, "tiny-llava")];
const questions = argQuestion ? [argQuestion] : ["what color is the shape?", "what color is the background?"];

for (const dir of models) {
  const vqa = await loadVqa(dir);
  console.log(`\n${dir.split("/").at(-1)} (${vqa.family})`);

  // 1. Streamed answer.
  process.stdout.write(`  Q: ${questions[0]}\n  A:`);
  for await (const chunk of vqa.askStream(image, questions[0]!)) process.stdout.write(chunk.text);
  process.stdout.write("\n");

  // 2. Several questions in one batch (LLaVA left-pads prompts of different lengths).
  const answers = await vqa.askMany(
    questions.map((question) => ({ image, question })),
    { numBeams: 2 },
  );
  for (const [i, a] of answers.entries()) console.log(`  Q: ${questions[i]}  A: ${a.text.trim()}`);

  // 3. Cancelling: abort after the first token.
  const controller = new AbortController();
  try {
    await vqa.ask(image, questions[0]!, { signal: controller.signal, onChunk: () => controller.abort() });
  } catch (error) {
    if (isClipkitError(error, "ABORTED")) console.log("  (a second ask was aborted after its first token)");
    else throw error;
  }
  await vqa.release();
}
