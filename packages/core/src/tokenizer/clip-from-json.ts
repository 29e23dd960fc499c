import { ClipBpeTokenizer, type ClipTokenizerOptions } from "./clip-tokenizer.js";
import { asObject, invalid, readAddedTokens, readSettings } from "./tokenizer-json.js";

/** Reads `model.vocab` (token → id) of a tokenizer.json. */
export function readVocab(model: Record<string, unknown>): Map<string, number> {
  const raw = asObject(model.vocab, "model.vocab");
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(raw)) {
    if (!Number.isInteger(id) || (id as number) < 0)
      invalid(`model.vocab[${JSON.stringify(token)}]`, "not an id");
    vocab.set(token, id as number);
  }
  if (vocab.size === 0) invalid("model.vocab", "is empty");
  return vocab;
}

/** Reads `model.merges`, written either as `"left right"` strings or `[left, right]` pairs. */
export function readMerges(model: Record<string, unknown>): Array<[string, string]> {
  if (!Array.isArray(model.merges)) invalid("model.merges", "missing or not an array");
  return model.merges.map((merge, i): [string, string] => {
    if (typeof merge === "string") {
      const space = merge.indexOf(" ", 1);
      if (space > 0) return [merge.slice(0, space), merge.slice(space + 1)];
    } else if (
      Array.isArray(merge) &&
      merge.length === 2 &&
      typeof merge[0] === "string" &&
      typeof merge[1] === "string"
    ) {
      return [merge[0], merge[1]];
    }
    return invalid(
      `model.merges[${i}]`,
      `expected "left right" or [left, right], got ${JSON.stringify(merge)}`,
    );
  });
}

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
