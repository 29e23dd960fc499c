/**
 * Evaluating a model CLIP_benchmark-style from code: zero-shot top-k / mean per-class recall for
 * several prompt strategies, and text↔image retrieval recall@k, on the committed 48-image Twemoji
 * sample of the bundled emoji model. The CLI equivalent is
 *
 *   npx -y pnpm@12.4.2 clipkit eval zeroshot --data packages/model-emoji/eval/twemoji-sample/manifest.jsonl --templates bare --templates emoji
 *
 *   npx tsx --conditions=@clipkit/source examples/eval.ts [MODEL_DIR] [MANIFEST]
 */
import { join } from "node:path";
import {
  embedManifestImages,
  evaluateRetrieval,
  evaluateZeroShot,
  formatRetrieval,
  formatZeroShot,
  loadClipModel,
  readEvalManifest,
} from "@clipkit/backend-node";
import { emojiModelDir } from "@clipkit/model-emoji";
import { getPack, imagenetTemplates80 } from "@clipkit/prompts";

const [
  modelDir = emojiModelDir,
  manifestPath = join(emojiModelDir, "../eval/twemoji-sample/manifest.jsonl"),
] = process.argv.slice(2);

const model = await loadClipModel(modelDir);
const manifest = await readEvalManifest(manifestPath);
// Embed the images once and reuse them for every prompt strategy.
const images = await embedManifestImages(model, manifest);

const strategies: Record<string, readonly string[]> = {
  "bare label": ["{}"],
  '"a photo of a {}."': ["a photo of a {}."],
  "emoji pack": getPack("emoji").templates,
  "80 OpenAI templates": imagenetTemplates80,
};
for (const [name, templates] of Object.entries(strategies)) {
  const report = await evaluateZeroShot(model, manifest, templates, { images });
  console.log(`\nzero-shot, ${name}\n${formatZeroShot(report)}`);
}
console.log(`\nretrieval\n${formatRetrieval(await evaluateRetrieval(model, manifest, { images }))}`);
await model.release();
