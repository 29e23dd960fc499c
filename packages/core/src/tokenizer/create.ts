import type { ModelFiles } from "../backend/session.js";
import { createByteLevelBpeTokenizer } from "./byte-level-bpe.js";
import { createClipTokenizerFromJson, isClipBpe } from "./clip-from-json.js";
import type { ClipTokenizerOptions } from "./clip-tokenizer.js";
import { asObject, invalid, parseJsonFile } from "./tokenizer-json.js";
import type { Tokenizer } from "./types.js";
import { createUnigramTokenizer } from "./unigram-tokenizer.js";

/**
 * Builds the right tokenizer for a Hugging Face `tokenizer.json` (parsed), with the optional
 * `tokenizer_config.json` supplying `model_max_length` and the special tokens:
 * CLIP BPE (`end_of_word_suffix: "</w>"`), GPT-2-style byte-level BPE, or SentencePiece Unigram
 * (SigLIP, T5-style). Other layouts fail with `TOKENIZER_INVALID` naming the model type.
 */
export function createTokenizer(
  tokenizerJson: unknown,
  tokenizerConfig?: unknown,
  options?: ClipTokenizerOptions,
): Tokenizer {
  const json = asObject(tokenizerJson, "(root)");
  const model = asObject(json.model, "model");
  const type =
    model.type ?? (model.merges !== undefined ? "BPE" : Array.isArray(model.vocab) ? "Unigram" : undefined);
  if (type === "BPE") {
    if (isClipBpe(json)) return createClipTokenizerFromJson(json, tokenizerConfig, options);
    return createByteLevelBpeTokenizer(json, tokenizerConfig);
  }
  if (type === "Unigram") return createUnigramTokenizer(json, tokenizerConfig);
  return invalid(
    "model.type",
    `unsupported tokenizer model ${JSON.stringify(type)} (supported: BPE, Unigram)`,
  );
}

/**
 * Reads `tokenizer.json` (and `tokenizer_config.json` when present) from a model folder and
 * builds its tokenizer with {@link createTokenizer}.
 */
export async function loadTokenizer(files: ModelFiles, options?: ClipTokenizerOptions): Promise<Tokenizer> {
  const json = parseJsonFile(await files.readText("tokenizer.json"), `${files.location}/tokenizer.json`);
  let config: unknown;
  if (await files.exists("tokenizer_config.json")) {
    config = parseJsonFile(
      await files.readText("tokenizer_config.json"),
      `${files.location}/tokenizer_config.json`,
    );
  }
  return createTokenizer(json, config, options);
}
