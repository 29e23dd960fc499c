import { ClipkitError } from "../errors.js";
import { AddedVocabulary } from "./added-tokens.js";
import { isClipBpe } from "./clip-from-json.js";
import { mergeConfigAddedTokens } from "./config-added-tokens.js";
import { createDecoder, type Decoder, decodeTokens } from "./decoders.js";
import {
  assertText,
  assertTexts,
  finishIds,
  padRows,
  resolveMaxLength,
  type SpecialIds,
} from "./encoding.js";
import { LruCache } from "./lru.js";
import { createModel, type TokenModel } from "./models.js";
import { createNormalizer } from "./normalizers.js";
import { readPostProcessor } from "./post-processor.js";
import { createPreTokenizerStages, type Piece, type PreTokenizer } from "./pre-tokenizers.js";
import { type AddedToken, asObject, invalid, readAddedTokens, readSettings } from "./tokenizer-json.js";
import type {
  BatchEncodeOptions,
  BatchEncoding,
  DecodeOptions,
  EncodeOptions,
  Tokenizer,
  TokenizerKind,
} from "./types.js";

// Python's str.strip() whitespace (transformers' CLIP decode strips with it).
const PY_SPACE = "[\\p{White_Space}\\u001c-\\u001f]+";
const PY_EDGE_SPACE = new RegExp(`^${PY_SPACE}|${PY_SPACE}$`, "gu");

function hasByteLevel(spec: unknown): boolean {
  return JSON.stringify(spec ?? null).includes('"ByteLevel"');
}

function kindOf(json: Record<string, unknown>, model: TokenModel): TokenizerKind {
  if (model.type === "Unigram") return "unigram";
  if (model.type === "WordPiece") return "wordpiece";
  if (isClipBpe(json)) return "clip-bpe";
  return hasByteLevel(json.pre_tokenizer) ? "byte-level-bpe" : "bpe";
}

// transformers tokenizer classes whose `padding_side` class attribute is "left".
const LEFT_PADDING_CLASSES = new Set([
  "LlamaTokenizer",
  "LlamaTokenizerFast",
  "CodeLlamaTokenizer",
  "CodeLlamaTokenizerFast",
  "GemmaTokenizer",
  "GemmaTokenizerFast",
  "CohereTokenizer",
  "CohereTokenizerFast",
  "Siglip2Tokenizer",
  "XLNetTokenizer",
  "XLNetTokenizerFast",
]);

function paddingSideOf(json: Record<string, unknown>, config: unknown): "left" | "right" {
  const cfg = (typeof config === "object" && config !== null ? config : {}) as Record<string, unknown>;
  if (cfg.padding_side === "left" || cfg.padding_side === "right") return cfg.padding_side;
  const direction = (json.padding as { direction?: unknown } | null | undefined)?.direction;
  if (direction === "Left" || direction === "Right") return direction === "Left" ? "left" : "right";
  return typeof cfg.tokenizer_class === "string" && LEFT_PADDING_CLASSES.has(cfg.tokenizer_class)
    ? "left"
    : "right";
}

const DEFAULT_CONTEXT: Record<TokenizerKind, number> = {
  "clip-bpe": 77,
  unigram: 64,
  "byte-level-bpe": 1024,
  bpe: 2048,
  wordpiece: 512,
};

/**
 * A tokenizer that runs exactly the pipeline a Hugging Face `tokenizer.json` declares, as the Rust
 * `tokenizers` library behind transformers' fast tokenizers does: added tokens → normalizer →
 * pre-tokenizer → model (BPE, Unigram, WordPiece) → post-processor, and the decoder for `decode`.
 * Reference: tokenizers 0.23 / transformers 5.x (golden ids in `test-data/tokenizers`).
 */
export class JsonTokenizer implements Tokenizer {
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  readonly modelMaxLength: number;
  readonly padTokenId: number;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly #model: TokenModel;
  readonly #added: AddedVocabulary;
  // Id → added token and the text decode gives it (tokenizers shows normalized tokens normalized).
  readonly #addedById = new Map<number, { token: AddedToken; text: string }>();
  readonly #addedByContent = new Map<string, number>();
  readonly #preTokenize: PreTokenizer;
  readonly #preTokenizeRest: PreTokenizer | undefined;
  readonly #specials: SpecialIds;
  readonly #decoder: Decoder | undefined;
  readonly #wordSuffix: string | undefined;
  readonly #defaultPadding: "longest" | "max_length";
  readonly #paddingSide: "left" | "right";
  readonly #cache: LruCache<string, readonly number[]>;
  readonly #startCache: LruCache<string, readonly number[]> | undefined;

  /**
   * @param json parsed tokenizer.json
   * @param config parsed tokenizer_config.json (`model_max_length`, special tokens), optional
   * @param cacheSize words kept in the per-word cache (default 20,000; 0 disables it)
   * @throws ClipkitError `TOKENIZER_INVALID` naming the field at fault
   */
  constructor(json: Record<string, unknown>, config?: unknown, cacheSize = 20_000) {
    this.#model = createModel(json);
    this.kind = kindOf(json, this.#model);
    // transformers also adds the special tokens tokenizer_config.json names (see config-added-tokens).
    const added = mergeConfigAddedTokens(
      readAddedTokens(json),
      config,
      this.#model.vocab,
      this.#model.idToToken.length,
    );
    const normalize = createNormalizer(json.normalizer);
    for (const token of added) {
      this.#addedById.set(token.id, {
        token,
        text: token.normalized ? normalize(token.content) : token.content,
      });
      this.#addedByContent.set(token.content, token.id);
    }
    this.#added = new AddedVocabulary(added, normalize);
    const stages = createPreTokenizerStages(json.pre_tokenizer);
    this.#preTokenize = stages.first;
    this.#preTokenizeRest = stages.rest;
    this.#specials = readPostProcessor(json.post_processor);
    this.#decoder = createDecoder(json.decoder);
    // transformers' CLIPTokenizer turns word ends into spaces after its ByteLevel decoder.
    const model = asObject(json.model, "model");
    const suffix = typeof model.end_of_word_suffix === "string" ? model.end_of_word_suffix : "";
    const decoderType = (json.decoder as { type?: unknown } | null | undefined)?.type;
    this.#wordSuffix = suffix !== "" && decoderType !== "BPEDecoder" ? suffix : undefined;
    this.#cache = new LruCache(cacheSize);
    const firstScheme = JSON.stringify(json.pre_tokenizer ?? null).includes('"prepend_scheme":"first"');
    this.#startCache = firstScheme ? new LruCache(Math.min(cacheSize, 1000)) : undefined;

    const settings = readSettings(json, config);
    this.vocabSize = Math.max(this.#model.idToToken.length, ...added.map((t) => t.id + 1));
    this.modelMaxLength = settings.modelMaxLength ?? DEFAULT_CONTEXT[this.kind];
    // A special token the config names must exist: a typo would silently shift every row.
    const idOf = (token: string | undefined, field: string): number | undefined => {
      if (token === undefined) return undefined;
      const id = this.tokenToId(token);
      if (id === undefined) invalid(field, `special token ${JSON.stringify(token)} is not in the vocabulary`);
      return id;
    };
    this.bosTokenId = idOf(settings.bosToken, "bos_token") ?? this.#specials.prefix[0];
    this.eosTokenId = idOf(settings.eosToken, "eos_token") ?? this.#specials.suffix.at(-1);
    const padId = settings.padId ?? idOf(settings.padToken, "pad_token");
    this.padTokenId = padId ?? this.eosTokenId ?? 0;
    // A Fixed padding block (SigLIP) pads to max_length; BatchLongest to the longest row; with no
    // block, Unigram text towers (SigLIP-style exports) keep max_length, others the longest row.
    this.#paddingSide = paddingSideOf(json, config);
    const strategy = (json.padding as { strategy?: unknown } | null | undefined)?.strategy;
    this.#defaultPadding =
      strategy === "BatchLongest"
        ? "longest"
        : strategy !== undefined || this.kind === "unigram"
          ? "max_length"
          : "longest";
  }

  /** Ids of the text, without special tokens or truncation. */
  #encodeCore(text: string): number[] {
    const ids: number[] = [];
    for (const segment of this.#added.split(text)) {
      if (segment.id !== undefined) {
        ids.push(segment.id);
        continue;
      }
      for (const piece of this.#preTokenize(segment)) {
        // Cached per first-stage piece; Metaspace's "first" scheme treats the text's start apart.
        const cache = piece.atStart && this.#startCache ? this.#startCache : this.#cache;
        let pieceIds = cache.get(piece.text);
        if (pieceIds === undefined) {
          pieceIds = this.#tokenizePiece(piece);
          cache.set(piece.text, pieceIds);
        }
        for (const id of pieceIds) ids.push(id);
      }
    }
    return ids;
  }

  #tokenizePiece(piece: Piece): number[] {
    if (this.#preTokenizeRest === undefined) return this.#model.tokenize(piece.text);
    const ids: number[] = [];
    for (const word of this.#preTokenizeRest(piece))
      for (const id of this.#model.tokenize(word.text)) ids.push(id);
    return ids;
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
    return padRows(
      rows,
      options?.padding ?? this.#defaultPadding,
      maxLength,
      this.padTokenId,
      options?.paddingSide ?? this.#paddingSide,
    );
  }

  /** Ids → tokens → the file's decoder, like tokenizers' `decode` (transformers' for CLIP). */
  decode(ids: readonly number[], options?: DecodeOptions): string {
    const skip = options?.skipSpecialTokens ?? true;
    const tokens: string[] = [];
    for (const id of ids) {
      const added = this.#addedById.get(id);
      if (added !== undefined) {
        if (!(skip && added.token.special)) tokens.push(added.text);
        continue;
      }
      const token = this.#model.idToToken[id];
      if (token === undefined) {
        throw new ClipkitError(
          "INVALID_ARGUMENT",
          `id ${id} is outside the vocabulary (size ${this.vocabSize})`,
          {
            details: { argument: "ids", id },
          },
        );
      }
      tokens.push(token);
    }
    const text = decodeTokens(this.#decoder, tokens);
    return this.#wordSuffix === undefined
      ? text
      : text.replaceAll(this.#wordSuffix, " ").replace(PY_EDGE_SPACE, "");
  }

  tokenToId(token: string): number | undefined {
    return this.#addedByContent.get(token) ?? this.#model.vocab.get(token);
  }
}
