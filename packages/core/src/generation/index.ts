export { beamSearch } from "./beam-search.js";
export { generate } from "./generate.js";
export {
  describeKvCache,
  gatherBatch,
  KvCache,
  type KvCacheLayout,
  type KvEntry,
  type KvShapeHints,
  lastLogits,
} from "./kv-cache.js";
export { type GenerationDefaults, parseGenerationDefaults, resolveGenerationOptions } from "./options.js";
export {
  applyProcessors,
  badWords,
  type LogitsProcessor,
  minNewTokens,
  noRepeatNgram,
  processorsFor,
  repetitionPenalty,
} from "./processors.js";
export { createRng, type Rng } from "./rng.js";
export { expandRows, gatherRows, greedyOrSample, type SearchHooks } from "./search.js";
export { iterate, type StreamChunk, TextDeltas } from "./stream.js";
export type {
  GeneratedSequence,
  GenerationOptions,
  LogitsModel,
  ResolvedGenerationOptions,
  TokenCallback,
} from "./types.js";
export { applyTemperature, applyTopK, applyTopP } from "./warpers.js";
