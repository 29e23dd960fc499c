/**
 * Tokenizer throughput and agreement: clipkit's CLIP tokenizer vs transformers.js's CLIPTokenizer,
 * both built from the same Hugging Face tokenizer.json, on openai/CLIP's 2,556 golden texts.
 *
 *   npx tsx --conditions=@clipkit/source bench/tokenizer.bench.ts [--rounds 5]
 *
 * Prints texts/s for a cold pass (fresh tokenizer, empty caches) and warm passes, the ratio, and
 * how many texts each library tokenizes exactly as openai/CLIP does.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { clipTokenizerJsonFromMerges, createTokenizer, type Tokenizer } from "@clipkit/core";
import { CLIPTokenizer } from "@huggingface/transformers";

const DATA = new URL("../packages/core/test-data/", import.meta.url);
const CONTEXT = 77;

interface Peer {
  name: string;
  create(): (text: string) => number[];
}

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" } } });
const rounds = Number.parseInt(values.rounds, 10);

const merges = gunzipSync(readFileSync(new URL("bpe_simple_vocab_16e6.txt.gz", DATA))).toString("utf8");
const { tokenizerJson, tokenizerConfig } = clipTokenizerJsonFromMerges(merges);
const golden = (
  JSON.parse(readFileSync(new URL("clip-tokenizer-golden.json", DATA), "utf8")) as {
    cases: Array<{ text: string; ids: number[] }>;
  }
).cases;
const texts = golden.map((c) => c.text);

// openai/CLIP's convention: cut to 77 keeping <|endoftext|> last.
function truncate(ids: number[]): number[] {
  return ids.length <= CONTEXT ? ids : [...ids.slice(0, CONTEXT - 1), ids.at(-1)!];
}

const peers: Peer[] = [
  {
    name: "clipkit",
    create() {
      const tokenizer: Tokenizer = createTokenizer(tokenizerJson, tokenizerConfig);
      return (text) => tokenizer.encode(text);
    },
  },
  {
    // Hugging Face's cleaning (NFC, whitespace, lowercase): should match transformers.js id for id.
    name: 'clipkit, clean: "basic"',
    create() {
      const tokenizer: Tokenizer = createTokenizer(tokenizerJson, tokenizerConfig, { clean: "basic" });
      return (text) => tokenizer.encode(text);
    },
  },
  {
    name: "transformers.js 4.3.1",
    create() {
      const tokenizer = new CLIPTokenizer(tokenizerJson, tokenizerConfig);
      return (text) => truncate(tokenizer.encode(text));
    },
  },
];

function pass(encode: (text: string) => number[]): number {
  const start = performance.now();
  let sink = 0;
  for (const text of texts) sink += encode(text).length;
  const ms = performance.now() - start;
  if (sink === 0) throw new Error("no tokens");
  return texts.length / (ms / 1000);
}

const results = peers.map((peer) => {
  const encode = peer.create();
  const agree = golden.filter((c) => JSON.stringify(encode(c.text)) === JSON.stringify(c.ids)).length;
  return { peer, agree, ids: texts.map(encode), cold: [] as number[], warm: [] as number[] };
});
// Cold: a fresh tokenizer's first pass (per-word caches empty); peers interleaved so both see
// the same CPU contention, median over rounds.
for (let round = 0; round < rounds; round++) {
  for (const r of results) r.cold.push(pass(r.peer.create()));
}
const warmEncoders = results.map((r) => {
  const encode = r.peer.create();
  pass(encode);
  return encode;
});
for (let round = 0; round < rounds; round++) {
  results.forEach((r, i) => {
    r.warm.push(pass(warmEncoders[i]!));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = results[2]!;
console.log(
  `CLIP tokenizer, ${texts.length} golden texts, median of ${rounds} rounds, Node ${process.version}\n`,
);
console.log(
  "| library | cold texts/s | warm texts/s | agreement with openai/CLIP | same ids as transformers.js |",
);
console.log("|---|---:|---:|---:|---:|");
for (const r of results) {
  const pct = ((100 * r.agree) / golden.length).toFixed(2);
  const sameAsPeer = r.ids.filter((ids, i) => JSON.stringify(ids) === JSON.stringify(base.ids[i])).length;
  console.log(
    `| ${r.peer.name} | ${Math.round(median(r.cold)).toLocaleString("en")} | ${Math.round(median(r.warm)).toLocaleString("en")} | ${r.agree}/${golden.length} (${pct} %) | ${sameAsPeer}/${texts.length} |`,
  );
}
const ours = results[0]!;
console.log(
  `\nclipkit / transformers.js: cold ${(median(ours.cold) / median(base.cold)).toFixed(2)}×, warm ${(median(ours.warm) / median(base.warm)).toFixed(2)}×`,
);
