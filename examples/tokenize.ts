/**
 * Tokenize captions the way CLIP and SigLIP text towers expect them.
 *
 *   npx tsx --conditions=@clipkit/source examples/tokenize.ts [model-dir] [text ...]
 *
 * With a model folder (a Hugging Face / transformers.js layout holding tokenizer.json), its
 * tokenizer is loaded; without one, openai/CLIP's tokenizer is built from the merges file that
 * ships with the repo's test data, and the tiny SigLIP-style Unigram fixture is shown as well.
 */
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { nodeFiles } from "@clipkit/backend-node";
import { createClipTokenizerFromMerges, createTokenizer, loadTokenizer, type Tokenizer } from "@clipkit/core";

const DATA = new URL("../packages/core/test-data/", import.meta.url);
const [dir, ...rest] = process.argv.slice(2);
const texts =
  rest.length > 0
    ? rest
    : ["A photo of a CAT.", "“Smart quotes” &amp; ﬁne ｆｕｌｌｗｉｄｔｈ", "cafÃ© (mojibake)"];

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
  // openai/CLIP's merges file; gunzipping is the caller's job (core stays browser-safe).
  const merges = gunzipSync(readFileSync(new URL("bpe_simple_vocab_16e6.txt.gz", DATA))).toString("utf8");
  show("openai/CLIP (bpe_simple_vocab_16e6.txt)", createClipTokenizerFromMerges(merges));
  const read = (name: string) => JSON.parse(readFileSync(new URL(`unigram/${name}`, DATA), "utf8"));
  show(
    "SigLIP-style Unigram fixture",
    createTokenizer(read("tokenizer.json"), read("tokenizer_config.json")),
  );
}
