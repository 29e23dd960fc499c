/**
 * Florence-2: one model, many tasks. Runs every task on a picture — three captions of growing
 * detail, OCR, object detection and phrase grounding — and prints the text and the parsed result
 * (boxes in pixels of the original picture, as transformers' `post_process_generation` gives them).
 *
 *   npx tsx --conditions=@clipkit/source examples/florence2-tasks.ts [MODEL_DIR] [IMAGE] [PHRASE]
 *
 * Defaults to fixtures/models/tiny-florence2, a tiny Florence2ForConditionalGeneration trained on
 * four photos (tools/fixtures/florence2), and coffee.jpg. A transformers.js Florence-2 export
 * (onnx-community/Florence-2-base-ft) works the same way.
 */
import { fileURLToPath } from "node:url";
import { decodeImage, nodeBackend, nodeFiles } from "@clipkit/backend-node";
import { loadVlmModel, runVlm, type VlmRequest } from "@clipkit/core";

const root = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const [
  modelDir = root("fixtures/models/tiny-florence2"),
  imagePath = root("tools/fixtures/images/coffee.jpg"),
  phrase = "a cup and a spoon",
] = process.argv.slice(2);

const model = await loadVlmModel({ backend: nodeBackend(), files: nodeFiles(modelDir) });
const image = await decodeImage(imagePath);
console.log(`family: ${model.family}; tasks: ${model.tasks.join(" ")}`);
console.log(`image: ${imagePath.split("/").at(-1)} (${image.width}×${image.height})\n`);

const requests: VlmRequest[] = [
  { kind: "task", images: [image], task: "<CAPTION>" },
  { kind: "task", images: [image], task: "<DETAILED_CAPTION>" },
  { kind: "task", images: [image], task: "<MORE_DETAILED_CAPTION>" },
  { kind: "task", images: [image], task: "<OCR>" },
  { kind: "task", images: [image], task: "<OD>" },
  { kind: "task", images: [image], task: "<CAPTION_TO_PHRASE_GROUNDING>", text: phrase },
];
// One call: requests whose prompts have equal lengths share a batch. Beam search as the
// Florence-2 model cards run it.
const results = await runVlm(model, requests, { numBeams: 3, maxNewTokens: 64 });
for (const [i, r] of results.entries()) {
  const req = requests[i] as Extract<VlmRequest, { kind: "task" }>;
  console.log(`${req.task}${req.text ? ` "${req.text}"` : ""}`);
  console.log(`  tokens: ${r.tokens.length}`);
  console.log(`  result: ${JSON.stringify(r.structured)}`);
}
await model.release();
