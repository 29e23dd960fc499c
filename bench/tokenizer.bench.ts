/**
 * Tokenizer throughput and agreement, clipkit vs transformers.js, both built from the same
 * Hugging Face tokenizer.json and run interleaved in one process:
 *  - CLIP BPE on openai/CLIP's 2,556 golden texts (reference: openai/CLIP + ftfy);
 *  - the SigLIP-style Unigram test model on 605 texts (reference: the sentencepiece library).
 *
 *   npx tsx --conditions=@clipkit/source bench/tokenizer.bench.ts [--rounds 5]
 *
 * Prints texts/s for a cold pass (fresh tokenizer, empty caches) and warm passes (medians over the
 * rounds), the ratios, and how many texts each tokenizer encodes exactly like the reference.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { clipTokenizerJsonFromMerges, createTokenizer, type Tokenizer } from "@clipkit/core";
import { CLIPTokenizer, PreTrainedTokenizer } from "@huggingface/transformers";

const DATA = new URL("../packages/core/test-data/", import.meta.url);

interface Case {
  text: string;
  ids: number[];
}

interface Peer {
  name: string;
  create(): (text: string) => number[];
}

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" } } });
const rounds = Number.parseInt(values.rounds, 10);
const readJson = (path: string) => JSON.parse(readFileSync(new URL(path, DATA), "utf8"));

// The references cut to the context length keeping the end-of-text id last; transformers.js's
// encode() does not truncate, so its ids are cut the same way.
function truncate(ids: number[], context: number): number[] {
  return ids.length <= context ? ids : [...ids.slice(0, context - 1), ids.at(-1)!];
}

function ours(name: string, build: () => Tokenizer): Peer {
  return {
    name,
    create() {
      const tokenizer = build();
      return (text) => tokenizer.encode(text);
    },
  };
}

function theirs(build: () => { encode(text: string): number[] }, context: number): Peer {
  return {
    name: "transformers.js 4.3.1",
    create() {
      const tokenizer = build();
      return (text) => truncate(tokenizer.encode(text), context);
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function pass(encode: (text: string) => number[], texts: readonly string[]): number {
  const start = performance.now();
  let sink = 0;
  for (const text of texts) sink += encode(text).length;
  const ms = performance.now() - start;
  if (sink === 0) throw new Error("no tokens");
  return texts.length / (ms / 1000);
}

function suite(title: string, reference: string, cases: Case[], peers: Peer[]): void {
  const texts = cases.map((c) => c.text);
  const results = peers.map((peer) => {
    const encode = peer.create();
    const ids = texts.map(encode);
    const agree = cases.filter((c, i) => same(ids[i]!, c.ids)).length;
    return { peer, ids, agree, cold: [] as number[], warm: [] as number[] };
  });
  // Cold: a fresh tokenizer's first pass (per-word caches empty); peers interleaved so both see
  // the same CPU contention.
  for (let round = 0; round < rounds; round++) {
    for (const r of results) r.cold.push(pass(r.peer.create(), texts));
  }
  const warm = results.map((r) => {
    const encode = r.peer.create();
    pass(encode, texts);
    return encode;
  });
  for (let round = 0; round < rounds; round++) {
    results.forEach((r, i) => {
      r.warm.push(pass(warm[i]!, texts));
    });
  }
  const peer = results.at(-1)!;
  console.log(`\n${title}: ${texts.length} texts, median of ${rounds} rounds\n`);
  console.log(
    `| tokenizer | cold texts/s | warm texts/s | agreement with ${reference} | same ids as transformers.js |`,
  );
  console.log("|---|---:|---:|---:|---:|");
  for (const r of results) {
    const pct = ((100 * r.agree) / cases.length).toFixed(2);
    const sameAsPeer = r.ids.filter((ids, i) => same(ids, peer.ids[i]!)).length;
    const fmt = (x: number) => Math.round(x).toLocaleString("en");
    console.log(
      `| ${r.peer.name} | ${fmt(median(r.cold))} | ${fmt(median(r.warm))} | ${r.agree}/${cases.length} (${pct} %) | ${sameAsPeer}/${texts.length} |`,
    );
  }
  const first = results[0]!;
  const cold = median(first.cold) / median(peer.cold);
  const warmRatio = median(first.warm) / median(peer.warm);
  console.log(
    `\n${first.peer.name} / transformers.js: cold ${cold.toFixed(2)}×, warm ${warmRatio.toFixed(2)}×`,
  );
}

console.log(`Tokenizer benchmark, Node ${process.version}`);

const merges = gunzipSync(readFileSync(new URL("bpe_simple_vocab_16e6.txt.gz", DATA))).toString("utf8");
const clip = clipTokenizerJsonFromMerges(merges);
suite("CLIP BPE", "openai/CLIP", readJson("clip-tokenizer-golden.json").cases, [
  ours("clipkit", () => createTokenizer(clip.tokenizerJson, clip.tokenizerConfig)),
  // Hugging Face's cleaning (NFC, whitespace, lowercase): should match transformers.js id for id.
  ours('clipkit, clean: "basic"', () =>
    createTokenizer(clip.tokenizerJson, clip.tokenizerConfig, { clean: "basic" }),
  ),
  theirs(() => new CLIPTokenizer(clip.tokenizerJson, clip.tokenizerConfig), 77),
]);

const unigramJson = readJson("unigram/tokenizer.json");
const unigramConfig = readJson("unigram/tokenizer_config.json");
suite("SigLIP-style Unigram (test model)", "sentencepiece", readJson("unigram/reference.json").cases, [
  ours("clipkit", () => createTokenizer(unigramJson, unigramConfig)),
  theirs(() => new PreTrainedTokenizer(unigramJson, unigramConfig), 64),
]);
