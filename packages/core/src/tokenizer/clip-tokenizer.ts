import { ClipkitError } from "../errors.js";
import { BpeModel } from "./bpe.js";
import { bytesToUnicode, unicodeToBytes } from "./bytes-to-unicode.js";
import { CLIP_SPLIT_PATTERN, cleanClipText } from "./clean-text.js";
import {
  assertText,
  assertTexts,
  finishIds,
  padRows,
  resolveMaxLength,
  type SpecialIds,
} from "./encoding.js";
import { LruCache } from "./lru.js";
import type { BatchEncodeOptions, BatchEncoding, DecodeOptions, EncodeOptions, Tokenizer } from "./types.js";

/** Everything a CLIP BPE tokenizer is built from, whatever file it came from. */
export interface ClipBpeParts {
  /** Token → id, including the special tokens. */
  readonly vocab: ReadonlyMap<string, number>;
  /** Merges in rank order, as `[left, right]` pairs. */
  readonly merges: ReadonlyArray<readonly [string, string]>;
  /** Start-of-text token (`<|startoftext|>`). */
  readonly bosToken: string;
  /** End-of-text token (`<|endoftext|>`), always kept last by truncation. */
  readonly eosToken: string;
  /** Padding token (default: the end-of-text token, as Hugging Face CLIP exports do). */
  readonly padToken?: string;
  /** Token for symbols missing from the vocabulary (default: the end-of-text token). */
  readonly unkToken?: string;
  /** Context length (default 77). */
  readonly modelMaxLength?: number;
  /** Options that do not come from the files. */
  readonly options?: ClipTokenizerOptions;
}

/** Behaviour switches for {@link ClipBpeTokenizer}. */
export interface ClipTokenizerOptions {
  /** Words kept in the per-word BPE cache (default 20,000; 0 disables it). */
  readonly cacheSize?: number;
}

function requireId(vocab: ReadonlyMap<string, number>, token: string, role: string): number {
  const id = vocab.get(token);
  if (id === undefined) {
    throw new ClipkitError(
      "TOKENIZER_INVALID",
      `the ${role} token ${JSON.stringify(token)} is not in the vocabulary`,
      {
        details: { field: role, token },
      },
    );
  }
  return id;
}

/**
 * openai/CLIP's (and open_clip's) tokenizer, driven by a vocabulary and merge list: ftfy-style
 * cleaning, HTML unescaping, CLIP's split, byte-level BPE with `</w>` word ends. This is
 * `textCleaning: "openai"`; the tokenizer.json pipeline itself is {@link JsonTokenizer}.
 */
export class ClipBpeTokenizer implements Tokenizer {
  readonly kind = "clip-bpe" as const;
  readonly vocabSize: number;
  readonly modelMaxLength: number;
  readonly padTokenId: number;
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly #vocab: ReadonlyMap<string, number>;
  readonly #idToToken: string[];
  readonly #specialIds: ReadonlySet<number>;
  readonly #specials: SpecialIds;
  readonly #bpe: BpeModel;
  readonly #cache: LruCache<string, readonly number[]>;

  constructor(parts: ClipBpeParts) {
    this.#vocab = parts.vocab;
    this.bosTokenId = requireId(parts.vocab, parts.bosToken, "bos");
    this.eosTokenId = requireId(parts.vocab, parts.eosToken, "eos");
    this.padTokenId = requireId(parts.vocab, parts.padToken ?? parts.eosToken, "pad");
    requireId(parts.vocab, parts.unkToken ?? parts.eosToken, "unk");
    this.modelMaxLength = parts.modelMaxLength ?? 77;
    this.#idToToken = [];
    for (const [token, id] of parts.vocab) this.#idToToken[id] = token;
    this.vocabSize = this.#idToToken.length;
    this.#specialIds = new Set([this.bosTokenId, this.eosTokenId, this.padTokenId]);
    this.#specials = { prefix: [this.bosTokenId], suffix: [this.eosTokenId] };
    this.#bpe = new BpeModel(parts.vocab, parts.merges, {
      endOfWordSuffix: "</w>",
      unkToken: parts.unkToken ?? parts.eosToken,
    });
    this.#cache = new LruCache(parts.options?.cacheSize ?? 20_000);
  }

  /** Ids of the text's pieces, without special tokens or truncation. */
  #encodeCore(text: string): number[] {
    const ids: number[] = [];
    for (const [piece] of cleanClipText(text).matchAll(CLIP_SPLIT_PATTERN)) {
      let pieceIds = this.#cache.get(piece);
      if (pieceIds === undefined) {
        pieceIds = this.#encodePiece(piece);
        this.#cache.set(piece, pieceIds);
      }
      for (const id of pieceIds) ids.push(id);
    }
    return ids;
  }

  #encodePiece(piece: string): number[] {
    // The split pattern keeps the two specials whole; openai/CLIP maps them straight to their ids.
    if (piece === "<|startoftext|>") return [this.bosTokenId];
    if (piece === "<|endoftext|>") return [this.eosTokenId];
    return this.#bpe.tokenize(bytesToUnicode(piece));
  }

  encode(text: string, options?: EncodeOptions): number[] {
    assertText(text);
    return finishIds(this.#encodeCore(text), this.#specials, options, this.modelMaxLength);
  }

  encodeBatch(texts: readonly string[], options?: BatchEncodeOptions): BatchEncoding {
    assertTexts(texts);
    const maxLength = resolveMaxLength(options, this.modelMaxLength);
    const rows = texts.map((text) =>
      finishIds(this.#encodeCore(text), this.#specials, options, this.modelMaxLength),
    );
    return padRows(rows, options?.padding ?? "longest", maxLength, this.padTokenId);
  }

  /**
   * Joins the tokens, turns byte characters back into UTF-8 (invalid bytes become U+FFFD) and
   * word ends (`</w>`) into spaces; the trailing space is trimmed, unlike openai/CLIP's `decode`.
   */
  decode(ids: readonly number[], options?: DecodeOptions): string {
    const skip = options?.skipSpecialTokens ?? true;
    let text = "";
    for (const id of ids) {
      if (skip && this.#specialIds.has(id)) continue;
      const token = this.#idToToken[id];
      if (token === undefined) {
        throw new ClipkitError(
          "INVALID_ARGUMENT",
          `id ${id} is outside the vocabulary (size ${this.vocabSize})`,
          {
            details: { argument: "ids", id },
          },
        );
      }
      text += token;
    }
    return new TextDecoder().decode(unicodeToBytes(text)).replaceAll("</w>", " ").trimEnd();
  }

  tokenToId(token: string): number | undefined {
    return this.#vocab.get(token);
  }
}
