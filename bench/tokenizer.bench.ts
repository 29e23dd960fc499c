/**
 * Tokenizer throughput and agreement, clipkit vs transformers.js, both built from the same
 * Hugging Face tokenizer.json and run interleaved in one process:
 *  - CLIP BPE on openai/CLIP's 2,556 golden texts (reference: openai/CLIP + ftfy), clipkit with
 *    its default (the tokenizer.json pipeline, as transformers) and with `textCleaning: "openai"`;
 *  - CLIP BPE on the 2,049-text golden corpus (reference: Python transformers' fast tokenizer);
 *  - the SigLIP-style Unigram test model on 605 texts (reference: the sentencepiece library);
 *  - agreement only, every golden tokenizer kind in test-data/tokenizers (reference: transformers).
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
import {
  GOLDEN_KINDS,
  type TokenizerGolden,
  tokenizerFixture,
} from "../packages/core/src/tokenizer/test-data.js";

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
  for (const r of results.slice(0, -1)) {
    const cold = median(r.cold) / median(peer.cold);
    const warmRatio = median(r.warm) / median(peer.warm);
    console.log(`${r.peer.name} / transformers.js: cold ${cold.toFixed(2)}×, warm ${warmRatio.toFixed(2)}×`);
  }
}

// Agreement with Python transformers on every golden kind, ids truncated to the golden maxLength.
function kinds(texts: string[]): void {
  console.log("\nAgreement with Python transformers (test-data/tokenizers), ids with truncation\n");
  console.log("| tokenizer.json | clipkit | transformers.js 4.3.1 |");
  console.log("|---|---:|---:|");
  for (const kind of GOLDEN_KINDS) {
    const { json, config, golden } = tokenizerFixture(kind);
    const ours = createTokenizer(json, config);
    let theirs: ((text: string) => number[]) | undefined;
    try {
      const t = new PreTrainedTokenizer(json, config);
      theirs = (text) =>
        (
          t(text, { truncation: true, max_length: golden.maxLength, return_tensor: false }) as {
            input_ids: number[];
          }
        ).input_ids;
    } catch {
      theirs = undefined;
    }
    const count = (encode: (text: string) => number[]) =>
      texts.filter((text, i) => {
        try {
          return same(encode(text), golden.ids[i]!);
        } catch {
          return false;
        }
      }).length;
    const a = count((text) => ours.encode(text, { maxLength: golden.maxLength }));
    const b = theirs ? count(theirs) : undefined;
    const pct = (n: number) => `${n}/${texts.length} (${((100 * n) / texts.length).toFixed(2)} %)`;
    console.log(`| ${kind} | ${pct(a)} | ${b === undefined ? "fails to load" : pct(b)} |`);
  }
}

console.log(`Tokenizer benchmark, Node ${process.version}`);

const merges = gunzipSync(readFileSync(new URL("bpe_simple_vocab_16e6.txt.gz", DATA))).toString("utf8");
const clip = clipTokenizerJsonFromMerges(merges);
suite("CLIP BPE", "openai/CLIP", readJson("clip-tokenizer-golden.json").cases, [
  ours("clipkit (tokenizer.json, default)", () => createTokenizer(clip.tokenizerJson, clip.tokenizerConfig)),
  // openai/CLIP's ftfy + HTML cleaning: the default for open_clip folders.
  ours('clipkit, textCleaning: "openai"', () =>
    createTokenizer(clip.tokenizerJson, clip.tokenizerConfig, { textCleaning: "openai" }),
  ),
  theirs(() => new CLIPTokenizer(clip.tokenizerJson, clip.tokenizerConfig), 77),
]);

const corpus = (readJson("tokenizers/texts.json") as { texts: string[] }).texts;
// The tokenizer.json Python transformers' CLIPTokenizer saves (ByteLevel use_regex: true), and its ids.
const {
  json: hfClipJson,
  config: hfClipConfig,
  golden: clipGolden,
} = tokenizerFixture("clip") as {
  json: Record<string, unknown>;
  config: Record<string, unknown>;
  golden: TokenizerGolden;
};
suite(
  "CLIP BPE, golden corpus (transformers' tokenizer.json)",
  "transformers",
  corpus.map((text, i) => ({ text, ids: clipGolden.ids[i]! })),
  [
    ours("clipkit (tokenizer.json, default)", () => createTokenizer(hfClipJson, hfClipConfig)),
    theirs(() => new CLIPTokenizer(hfClipJson, hfClipConfig), 77),
  ],
);

const unigramJson = readJson("unigram/tokenizer.json");
const unigramConfig = readJson("unigram/tokenizer_config.json");
suite("SigLIP-style Unigram (test model)", "sentencepiece", readJson("unigram/reference.json").cases, [
  ours("clipkit", () => createTokenizer(unigramJson, unigramConfig)),
  theirs(() => new PreTrainedTokenizer(unigramJson, unigramConfig), 64),
]);

kinds(corpus);
