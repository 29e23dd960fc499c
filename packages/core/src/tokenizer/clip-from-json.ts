import { ClipBpeTokenizer, type ClipTokenizerOptions } from "./clip-tokenizer.js";
import { asObject, readAddedTokens, readMerges, readSettings, readVocab } from "./tokenizer-json.js";

/**
 * True when a BPE tokenizer.json is CLIP's: word-end suffix `</w>` (rather than GPT-2's `Ġ`
 * spaces), or, in files that omit the suffix field, CLIP's split pattern in the pre-tokenizer.
 */
export function isClipBpe(json: Record<string, unknown>): boolean {
  const model = asObject(json.model, "model");
  if (model.end_of_word_suffix === "</w>") return true;
  return (
    model.end_of_word_suffix == null && JSON.stringify(json.pre_tokenizer ?? null).includes("startoftext")
  );
}

/** A CLIP tokenizer from a Hugging Face CLIPTokenizerFast `tokenizer.json` (+ optional config). */
export function createClipTokenizerFromJson(
  json: Record<string, unknown>,
  config?: unknown,
  options?: ClipTokenizerOptions,
): ClipBpeTokenizer {
  const model = asObject(json.model, "model");
  const vocab = readVocab(model);
  const merges = readMerges(model);
  // Added tokens may be missing from model.vocab in some exports; they still need ids.
  for (const token of readAddedTokens(json))
    if (!vocab.has(token.content)) vocab.set(token.content, token.id);
  const settings = readSettings(json, config);
  const post = json.post_processor as { cls?: unknown; sep?: unknown } | null | undefined;
  const postCls = Array.isArray(post?.cls) && typeof post.cls[0] === "string" ? post.cls[0] : undefined;
  const postSep = Array.isArray(post?.sep) && typeof post.sep[0] === "string" ? post.sep[0] : undefined;
  const unk = typeof model.unk_token === "string" ? model.unk_token : undefined;
  return new ClipBpeTokenizer({
    vocab,
    merges,
    bosToken: settings.bosToken ?? postCls ?? "<|startoftext|>",
    eosToken: settings.eosToken ?? postSep ?? "<|endoftext|>",
    padToken: settings.padToken,
    unkToken: settings.unkToken ?? unk,
    modelMaxLength: settings.modelMaxLength,
    options,
  });
}
