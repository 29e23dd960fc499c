/**
 * Greedy decoding and sampling (HF `_sample`): one token per row per step; a row that produced
 * an EOS id (or a stop string) is finished and receives `padTokenId` until all rows finish.
 */
import { throwIfAborted } from "./options.js";
import { applyProcessors, processorsFor } from "./processors.js";
import { createRng } from "./rng.js";
import type { GeneratedSequence, LogitsModel, ResolvedGenerationOptions, TokenCallback } from "./types.js";
import { applyTemperature, applyTopK, applyTopP, argmax, sample } from "./warpers.js";

/** Hooks for streaming and stop strings. */
export interface SearchHooks {
  /** Called for every token a still-running row receives (EOS included). */
  onToken?: TokenCallback;
  /** Decodes generated ids; needed only for `stopStrings`. */
  decode?: (ids: readonly number[]) => string;
}

/** Expands each prompt `times` times, in order (like HF's `repeat_interleave`). */
export function expandRows(count: number, times: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) for (let j = 0; j < times; j++) out.push(i);
  return out;
}

/**
 * Runs greedy decoding (or sampling when `doSample`) for `prompts` (one context per input:
 * the ids processors look at). Returns `numReturnSequences` sequences per input.
 */
export async function greedyOrSample(
  model: LogitsModel,
  prompts: readonly (readonly number[])[],
  options: ResolvedGenerationOptions,
  hooks: SearchHooks = {},
): Promise<GeneratedSequence[][]> {
  const perInput = options.doSample ? options.numReturnSequences : 1;
  const rowInput = expandRows(prompts.length, perInput);
  const sequences = rowInput.map((i) => [...prompts[i]!]);
  const promptLengths = sequences.map((s) => s.length);
  const generated: number[][] = rowInput.map(() => []);
  const running = rowInput.map(() => true);
  const processors = processorsFor(options);
  const rng = createRng(options.seed);
  const eos = new Set(options.eosTokenIds);
  let tokens: number[] | null = null;
  for (let step = 0; step < options.maxNewTokens; step++) {
    throwIfAborted(options.signal);
    let { logits, vocabSize } = await model.next(tokens);
    if (step === 0 && perInput > 1) {
      model.reorder(rowInput);
      logits = gatherRows(logits, vocabSize, rowInput);
    }
    throwIfAborted(options.signal);
    tokens = [];
    for (let r = 0; r < rowInput.length; r++) {
      if (!running[r]) {
        tokens.push(options.padTokenId);
        continue;
      }
      const scores = logits.subarray(r * vocabSize, (r + 1) * vocabSize);
      applyProcessors(processors, scores, sequences[r]!, promptLengths[r]!);
      let token: number;
      if (options.doSample) {
        applyTemperature(scores, options.temperature);
        applyTopK(scores, options.topK);
        applyTopP(scores, options.topP);
        token = sample(scores, rng);
      } else {
        token = argmax(scores);
      }
      tokens.push(token);
      sequences[r]!.push(token);
      generated[r]!.push(token);
      hooks.onToken?.({ input: rowInput[r]!, row: r, token });
      if (eos.has(token)) running[r] = false;
      else if (options.stopStrings.length > 0 && hooks.decode) {
        const text = hooks.decode(generated[r]!);
        if (options.stopStrings.some((s) => text.includes(s))) running[r] = false;
      }
    }
    if (!running.some(Boolean)) break;
  }
  const out: GeneratedSequence[][] = prompts.map(() => []);
  rowInput.forEach((input, r) => {
    out[input]!.push({ tokens: generated[r]! });
  });
  return out;
}

/** Copies logits rows: new row i is old row `indices[i]`. */
export function gatherRows(
  logits: Float32Array,
  vocabSize: number,
  indices: readonly number[],
): Float32Array {
  const out = new Float32Array(indices.length * vocabSize);
  indices.forEach((src, i) => {
    out.set(logits.subarray(src * vocabSize, (src + 1) * vocabSize), i * vocabSize);
  });
  return out;
}
