/**
 * The tokenizer contract every text tower codes against: CLIP's byte-level BPE, SigLIP's
 * SentencePiece Unigram and generic byte-level BPE all implement {@link Tokenizer}.
 */

/** Options for encoding one text. */
export interface EncodeOptions {
  /** Add the model's special tokens (CLIP: `<|startoftext|>` … `<|endoftext|>`; SigLIP: `</s>`). Default `true`. */
  addSpecialTokens?: boolean;
  /** Cut the ids to `maxLength`, keeping the end-of-text token last. Default `true`. */
  truncation?: boolean;
  /** Length limit for truncation and `"max_length"` padding. Default: the tokenizer's `modelMaxLength`. */
  maxLength?: number;
}

/** Options for encoding a batch of texts. */
export interface BatchEncodeOptions extends EncodeOptions {
  /**
   * `"longest"` pads to the longest row, `"max_length"` to `maxLength`, `false` leaves rows ragged.
   * Default: the tokenizer's own default (CLIP `"longest"`, SigLIP `"max_length"`).
   */
  padding?: "longest" | "max_length" | false;
  /**
   * Which side padding goes on. Default: the tokenizer's own (`padding_side` in
   * tokenizer_config.json, else the tokenizer.json padding direction, else transformers' class
   * default: left for Llama/Gemma/Cohere/XLNet/Siglip2 tokenizers, right otherwise).
   */
  paddingSide?: "left" | "right";
}

/** Token ids and the matching attention mask (1 = real token, 0 = padding), one row per text. */
export interface BatchEncoding {
  inputIds: number[][];
  attentionMask: number[][];
}

/** Options for turning ids back into text. */
export interface DecodeOptions {
  /** Drop special tokens (start/end of text, padding). Default `true`. */
  skipSpecialTokens?: boolean;
}

/**
 * Which algorithm segments the text: CLIP's BPE with `</w>` word ends, GPT-2-style byte-level
 * BPE, other BPE (SentencePiece-style, e.g. Llama/Gemma with byte fallback), SentencePiece
 * Unigram (SigLIP, T5, XLM-R) or WordPiece (BERT).
 */
export type TokenizerKind = "clip-bpe" | "byte-level-bpe" | "bpe" | "unigram" | "wordpiece";

/** A text tokenizer: pure, synchronous, safe to share between calls. */
export interface Tokenizer {
  /** Which algorithm segments the text. */
  readonly kind: TokenizerKind;
  /** Number of ids the model's embedding table holds (including added tokens). */
  readonly vocabSize: number;
  /** The context length the text tower accepts (CLIP 77, SigLIP 64). */
  readonly modelMaxLength: number;
  /** The id used to pad batch rows. */
  readonly padTokenId: number;
  /** Beginning-of-text id, if the model uses one. */
  readonly bosTokenId: number | undefined;
  /** End-of-text id, if the model uses one. */
  readonly eosTokenId: number | undefined;
  /** Encodes one text into ids. */
  encode(text: string, options?: EncodeOptions): number[];
  /** Encodes several texts into padded rows with attention masks. */
  encodeBatch(texts: readonly string[], options?: BatchEncodeOptions): BatchEncoding;
  /** Turns ids back into text. */
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** The id of one vocabulary entry, or `undefined` if absent. */
  tokenToId(token: string): number | undefined;
}
