import { beamSearch } from "./beam-search.js";
import { greedyOrSample, type SearchHooks } from "./search.js";
import type { GeneratedSequence, LogitsModel, ResolvedGenerationOptions } from "./types.js";

/**
 * Decodes with the strategy the options select: beam search when `numBeams > 1`, otherwise
 * greedy or sampling. `prompts` are the ids processors see (one per input); the model holds
 * one row per input on entry. Streaming hooks fire for greedy/sampling only (beam search
 * knows its winners only at the end); `hooks.decode` serves stop strings in both.
 */
export function generate(
  model: LogitsModel,
  prompts: readonly (readonly number[])[],
  options: ResolvedGenerationOptions,
  hooks: SearchHooks = {},
): Promise<GeneratedSequence[][]> {
  if (options.numBeams > 1) return beamSearch(model, prompts, options, { decode: hooks.decode });
  return greedyOrSample(model, prompts, options, hooks);
}
