import { CLIP_SPLIT_PATTERN } from "./clean-text.js";
import { clipVocabularyFromMerges } from "./clip-merges.js";

/** Options for {@link clipTokenizerJsonFromMerges}. */
export interface ClipTokenizerJsonOptions {
  /** Merges to keep (default all 48,894); fewer gives a small vocabulary for test models. */
  readonly maxMerges?: number;
  /** `model_max_length` in the config (default 77). */
  readonly modelMaxLength?: number;
}

/** A Hugging Face tokenizer folder's two JSON files, as plain objects. */
export interface TokenizerFiles {
  /** Contents of `tokenizer.json`. */
  readonly tokenizerJson: Record<string, unknown>;
  /** Contents of `tokenizer_config.json`. */
  readonly tokenizerConfig: Record<string, unknown>;
}

function added(id: number, content: string): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true };
}

/**
 * Writes openai/CLIP's merges as a Hugging Face CLIPTokenizerFast `tokenizer.json` (+
 * `tokenizer_config.json`): BPE model with `</w>` word ends, NFC + whitespace + lowercase
 * normalizer, the CLIP split regex then ByteLevel, RobertaProcessing with
 * `<|startoftext|>`/`<|endoftext|>`. Deterministic, so fixtures built from it are reproducible.
 */
export function clipTokenizerJsonFromMerges(
  mergesText: string,
  options: ClipTokenizerJsonOptions = {},
): TokenizerFiles {
  const { vocab, merges } = clipVocabularyFromMerges(mergesText, options);
  const bos = vocab.get("<|startoftext|>")!;
  const eos = vocab.get("<|endoftext|>")!;
  const tokenizerJson = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [added(bos, "<|startoftext|>"), added(eos, "<|endoftext|>")],
    normalizer: {
      type: "Sequence",
      normalizers: [
        { type: "NFC" },
        { type: "Replace", pattern: { Regex: "\\s+" }, content: " " },
        { type: "Lowercase" },
      ],
    },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: CLIP_SPLIT_PATTERN.source }, behavior: "Removed", invert: true },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: "RobertaProcessing",
      sep: ["<|endoftext|>", eos],
      cls: ["<|startoftext|>", bos],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<|endoftext|>",
      continuing_subword_prefix: "",
      end_of_word_suffix: "</w>",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab),
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  const tokenizerConfig = {
    add_prefix_space: false,
    bos_token: "<|startoftext|>",
    clean_up_tokenization_spaces: true,
    do_lower_case: true,
    eos_token: "<|endoftext|>",
    errors: "replace",
    model_max_length: options.modelMaxLength ?? 77,
    pad_token: "<|endoftext|>",
    tokenizer_class: "CLIPTokenizer",
    unk_token: "<|endoftext|>",
  };
  return { tokenizerJson, tokenizerConfig };
}
