/**
 * Test helpers over the generative fixtures' reference.json files, written by
 * tools/fixtures/vlm/build.py from transformers' own processors, forward passes and generate().
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GenerationOptions } from "@clipkit/core";
import { expect } from "vitest";

export const fixtures = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
export const capDir = join(fixtures, "tiny-captioner");
export const llavaDir = join(fixtures, "tiny-llava");

/** One returned sequence of transformers' generate(): generated ids (prompt cut, up to EOS). */
export interface RefSeq {
  ids: number[];
  /** `sequences_scores`, beam search only. */
  score?: number;
}

/** A decoding case: generate() kwargs (snake_case, as passed to transformers) and beam count. */
export interface RefCase {
  name: string;
  num_beams: number;
  options: Record<string, unknown>;
}

export interface CaptionerRef {
  question_template: string;
  decoder_start_token_id: number;
  cases: RefCase[];
  images: {
    file: string;
    pixel_values: number[];
    first_logits: number[];
    results: Record<string, RefSeq[]>;
    questions: Record<string, { prefix: number[]; greedy: RefSeq[]; beam3: RefSeq[] }>;
  }[];
}

export interface LlavaPromptRef {
  input_ids: number[];
  prompt_ids: number[];
  last_logits: number[];
  greedy: RefSeq[];
  beam3: RefSeq[];
}

export interface LlavaRef {
  caption_prompt: string;
  image_token_id: number;
  cases: RefCase[];
  images: {
    file: string;
    pixel_values: number[];
    prompts: Record<string, LlavaPromptRef>;
    results: Record<string, RefSeq[]>;
  }[];
}

export function readRef<T>(dir: string): T {
  return JSON.parse(readFileSync(join(dir, "reference.json"), "utf8")) as T;
}

/** A fixture's `pixel_values.bin`: its processor's pixels (float32), at the offsets reference.json gives. */
export function readRefPixels(dir: string): Float32Array {
  const bin = readFileSync(join(dir, "pixel_values.bin"));
  return new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
}

/** Expects `got` to equal `want` value for value (Δ = 0); the message counts the values that differ. */
export function expectSamePixels(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  expect(got.length, `${label} length`).toBe(want.length);
  let diffs = 0;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) diffs++;
  expect(diffs, `${label} pixel values`).toBe(0);
}

/** transformers generate() kwargs → clipkit options. */
export function toOptions(c: RefCase): GenerationOptions {
  const o = c.options;
  return {
    numBeams: c.num_beams,
    maxNewTokens: o.max_new_tokens as number | undefined,
    maxLength: o.max_length as number | undefined,
    numReturnSequences: o.num_return_sequences as number | undefined,
    earlyStopping: o.early_stopping as boolean | "never" | undefined,
    lengthPenalty: o.length_penalty as number | undefined,
    repetitionPenalty: o.repetition_penalty as number | undefined,
    noRepeatNgramSize: o.no_repeat_ngram_size as number | undefined,
    minNewTokens: o.min_new_tokens as number | undefined,
    eosTokenId: o.eos_token_id as number[] | undefined,
  };
}

/** Checks ids exactly and beam scores to 1e-4 (float32 ORT vs torch); returns whether ids matched. */
export function expectSequences(
  got: readonly { tokens: readonly number[]; score?: number }[],
  want: readonly RefSeq[],
  label: string,
): void {
  expect(
    got.map((s) => s.tokens),
    label,
  ).toEqual(want.map((s) => s.ids));
  want.forEach((w, i) => {
    if (w.score !== undefined)
      expect(Math.abs(got[i]!.score! - w.score), `${label} score ${i}`).toBeLessThan(1e-4);
  });
}

/** Largest absolute difference between two equal-length arrays. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
