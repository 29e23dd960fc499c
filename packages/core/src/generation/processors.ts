/**
 * Logits processors, applied per row in Hugging Face's order (repetition penalty, no-repeat
 * n-gram, bad words, min new tokens). Each edits one row of scores in place; `sequence` is the
 * row's full context (prompt ids + generated ids) as HF's `input_ids`.
 */
import type { ResolvedGenerationOptions } from "./types.js";

/** A processor: edits `scores` (one row, length vocab) in place. */
export type LogitsProcessor = (
  scores: Float32Array,
  sequence: readonly number[],
  promptLength: number,
) => void;

/** CTRL penalty: negative scores of seen tokens are multiplied, positive ones divided. */
export function repetitionPenalty(penalty: number): LogitsProcessor {
  return (scores, sequence) => {
    const seen = new Set(sequence);
    for (const id of seen) {
      if (id < 0 || id >= scores.length) continue;
      const s = scores[id]!;
      scores[id] = s < 0 ? s * penalty : s / penalty;
    }
  };
}

/** Bans every token that would complete an n-gram already present in the sequence. */
export function noRepeatNgram(n: number): LogitsProcessor {
  return (scores, sequence) => {
    const len = sequence.length;
    if (len + 1 < n) return;
    const start = len - n + 1;
    for (let i = 0; i + n <= len; i++) {
      let same = true;
      for (let j = 0; j < n - 1; j++) {
        if (sequence[i + j] !== sequence[start + j]) {
          same = false;
          break;
        }
      }
      if (same) scores[sequence[i + n - 1]!] = Number.NEGATIVE_INFINITY;
    }
  };
}

/** Bans the last token of each bad sequence when the row ends with the rest of it. */
export function badWords(sequences: readonly (readonly number[])[]): LogitsProcessor {
  return (scores, sequence) => {
    for (const bad of sequences) {
      const prefix = bad.length - 1;
      let match = sequence.length >= prefix;
      for (let j = 0; match && j < prefix; j++) {
        if (sequence[sequence.length - prefix + j] !== bad[j]) match = false;
      }
      if (match) scores[bad[prefix]!] = Number.NEGATIVE_INFINITY;
    }
  };
}

/** Forbids EOS until `min` tokens were generated after the prompt. */
export function minNewTokens(min: number, eosTokenIds: readonly number[]): LogitsProcessor {
  return (scores, sequence, promptLength) => {
    if (sequence.length - promptLength >= min) return;
    for (const id of eosTokenIds) scores[id] = Number.NEGATIVE_INFINITY;
  };
}

/** The processors an option set asks for, in HF's order. */
export function processorsFor(options: ResolvedGenerationOptions): LogitsProcessor[] {
  const list: LogitsProcessor[] = [];
  if (options.repetitionPenalty !== 1) list.push(repetitionPenalty(options.repetitionPenalty));
  if (options.noRepeatNgramSize > 0) list.push(noRepeatNgram(options.noRepeatNgramSize));
  if (options.badWordsIds.length > 0) list.push(badWords(options.badWordsIds));
  if (options.minNewTokens > 0) list.push(minNewTokens(options.minNewTokens, options.eosTokenIds));
  return list;
}

/** Applies `processors` to one row. */
export function applyProcessors(
  processors: readonly LogitsProcessor[],
  scores: Float32Array,
  sequence: readonly number[],
  promptLength: number,
): void {
  for (const p of processors) p(scores, sequence, promptLength);
}
