/**
 * Tokenize captions the way CLIP and SigLIP text towers expect them.
 *
 *   npx tsx --conditions=@clipkit/source examples/tokenize.ts [model-dir] [text ...]
 *
 * With a model folder (a Hugging Face / transformers.js layout holding tokenizer.json), its
 * tokenizer is loaded (exactly the file's pipeline, as transformers runs it; open_clip folders get
 * openai/CLIP's cleaning). Without one, CLIP's tokenizer.json from the repo's test data is shown
 * both ways — default (as transformers) and `textCleaning: "openai"` (as openai/CLIP and
 * open_clip) — then the tiny SigLIP-style Unigram fixture.
 */
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { nodeFiles } from "@clipkit/backend-node";
import { clipTokenizerJsonFromMerges, createTokenizer, loadTokenizer, type Tokenizer } from "@clipkit/core";

const DATA = new URL("../packages/core/test-data/", import.meta.url);
const [dir, ...rest] = process.argv.slice(2);
const texts =
  rest.length > 0
    ? rest
    : [
        "A photo of a CAT.",
        "Tom &amp; Jerry",
        "“Smart quotes” ﬁne ｆｕｌｌｗｉｄｔｈ",
        "ΟΔΟΣ",
        "cafÃ© (mojibake)",
      ];

function show(name: string, tokenizer: Tokenizer): void {
  console.log(
    `\n${name}: ${tokenizer.kind}, vocab ${tokenizer.vocabSize}, context ${tokenizer.modelMaxLength}`,
  );
  for (const text of texts) {
    const ids = tokenizer.encode(text);
    console.log(
      `  ${JSON.stringify(text)}\n    ids     ${JSON.stringify(ids)}\n    decoded ${JSON.stringify(tokenizer.decode(ids))}`,
    );
  }
  // Batches come padded (CLIP: to the longest row; SigLIP: to the full context) with masks.
  const batch = tokenizer.encodeBatch(texts);
  const real = batch.attentionMask.map((mask) => mask.reduce((a, b) => a + b, 0));
  console.log(
    `  batch → ${texts.length} rows of ${batch.inputIds[0]!.length} ids, real tokens per row ${JSON.stringify(real)}`,
  );
}

if (dir !== undefined && existsSync(dir)) {
  show(dir, await loadTokenizer(nodeFiles(dir)));
} else {
  if (dir !== undefined) texts.unshift(dir);
  // openai/CLIP's merges as a Hugging Face tokenizer.json; gunzipping is the caller's job (core
  // stays browser-safe).
  const merges = gunzipSync(readFileSync(new URL("bpe_simple_vocab_16e6.txt.gz", DATA))).toString("utf8");
  const clip = clipTokenizerJsonFromMerges(merges);
  show(
    "CLIP tokenizer.json, default (= transformers)",
    createTokenizer(clip.tokenizerJson, clip.tokenizerConfig),
  );
  show(
    'CLIP tokenizer.json, textCleaning: "openai" (= openai/CLIP, open_clip)',
    createTokenizer(clip.tokenizerJson, clip.tokenizerConfig, { textCleaning: "openai" }),
  );
  const read = (name: string) => JSON.parse(readFileSync(new URL(`unigram/${name}`, DATA), "utf8"));
  show(
    "SigLIP-style Unigram fixture",
    createTokenizer(read("tokenizer.json"), read("tokenizer_config.json")),
  );
}
