// Test-only loaders for packages/core/test-data (Node APIs are fine here: never shipped).
import { readFileSync } from "node:fs";
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
