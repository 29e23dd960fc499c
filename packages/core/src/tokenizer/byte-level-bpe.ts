import { JsonTokenizer } from "./json-tokenizer.js";
import { asObject, invalid } from "./tokenizer-json.js";
import type { Tokenizer } from "./types.js";

/**
 * True for a tokenizer.json whose model is BPE and whose pre-tokenizer (directly or inside a
 * Sequence) is ByteLevel, without CLIP's `</w>` word ends: GPT-2, OPT, Llama-3 style files.
 */
export function isByteLevelBpe(json: Record<string, unknown>): boolean {
  const model = json.model as Record<string, unknown> | undefined;
  if (model?.type !== "BPE" || (model.end_of_word_suffix ?? "") !== "") return false;
  const pre = json.pre_tokenizer as { type?: unknown; pretokenizers?: unknown } | null | undefined;
  const parts = pre?.type === "Sequence" && Array.isArray(pre.pretokenizers) ? pre.pretokenizers : [pre];
  return parts.some((p) => (p as { type?: unknown } | null)?.type === "ByteLevel");
}

/**
 * A GPT-2 style byte-level BPE tokenizer from a parsed `tokenizer.json` (+ optional
 * `tokenizer_config.json`): the same tokenizer.json pipeline as `createTokenizer`, after checking
 * that the model is BPE. Kept for callers that want that check.
 */
export function createByteLevelBpeTokenizer(tokenizerJson: unknown, tokenizerConfig?: unknown): Tokenizer {
  const json = asObject(tokenizerJson, "(root)");
  const model = asObject(json.model, "model");
  if (model.type !== "BPE") invalid("model.type", `expected "BPE", got ${JSON.stringify(model.type)}`);
  return new JsonTokenizer(json, tokenizerConfig);
}
