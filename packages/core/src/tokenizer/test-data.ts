// Test-only loaders for packages/core/test-data (Node APIs are fine here: never shipped).
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

const DIR = new URL("../../test-data/", import.meta.url);

let merges: string | undefined;

/** The gunzipped openai/CLIP merges file. */
export function clipMergesText(): string {
  merges ??= gunzipSync(readFileSync(new URL("bpe_simple_vocab_16e6.txt.gz", DIR))).toString("utf8");
  return merges;
}

/** One golden case: a caption and openai/CLIP's ids for it. */
export interface GoldenCase {
  text: string;
  ids: number[];
}

/** The 2,556 openai/CLIP golden cases. */
export function clipGoldenCases(): GoldenCase[] {
  const json = JSON.parse(readFileSync(new URL("clip-tokenizer-golden.json", DIR), "utf8")) as {
    cases: GoldenCase[];
  };
  return json.cases;
}

/** Reads a JSON file from the test-data folder. */
export function testDataJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, DIR), "utf8")) as T;
}

function readMaybeGzipped(path: string): string {
  const gz = new URL(`${path}.gz`, DIR);
  return existsSync(gz)
    ? gunzipSync(readFileSync(gz)).toString("utf8")
    : readFileSync(new URL(path, DIR), "utf8");
}

/** Golden outputs of transformers' fast tokenizer for one test-data/tokenizers/<kind> folder. */
export interface TokenizerGolden {
  source: string;
  maxLength: number;
  /** `tok(text, truncation=True, max_length=maxLength)["input_ids"]`, one row per corpus text. */
  ids: number[][];
  /** `backend_tokenizer.decode(ids, skip_special_tokens=True)` of those ids. */
  decoded: string[];
  batchSize: number;
  batches: Array<{
    start: number;
    padding: "longest" | "max_length";
    input_ids: number[][];
    attention_mask: number[][];
  }>;
}

/** The tokenizer kinds with a golden folder in test-data/tokenizers. */
export const GOLDEN_KINDS = [
  "clip",
  "siglip",
  "t5-nfkc",
  "gpt2",
  "roberta",
  "qwen2",
  "llama",
  "gemma",
  "xlmr",
  "bert",
  "openai-gpt",
  "bpe-components",
] as const;

/** The shared corpus every golden set was generated from. */
export function goldenTexts(): string[] {
  return testDataJson<{ texts: string[] }>("tokenizers/texts.json").texts;
}

/** One golden folder: its tokenizer.json, tokenizer_config.json and golden outputs (gunzipped). */
export function tokenizerFixture(kind: string): { json: unknown; config: unknown; golden: TokenizerGolden } {
  return {
    json: JSON.parse(readMaybeGzipped(`tokenizers/${kind}/tokenizer.json`)),
    config: testDataJson(`tokenizers/${kind}/tokenizer_config.json`),
    golden: JSON.parse(readMaybeGzipped(`tokenizers/${kind}/golden.json`)) as TokenizerGolden,
  };
}
