import { ClipkitError } from "../errors.js";
import {
  assertText,
  assertTexts,
  finishIds,
  padRows,
  resolveMaxLength,
  type SpecialIds,
} from "./encoding.js";
import { LruCache } from "./lru.js";
import { createNormalizer, type Normalizer } from "./normalizers.js";
import { readPostProcessor } from "./post-processor.js";
import { createPreTokenizer, type PreTokenizer } from "./pre-tokenizers.js";
import { asObject, invalid, readAddedTokens, readSettings } from "./tokenizer-json.js";
import type { BatchEncodeOptions, BatchEncoding, DecodeOptions, EncodeOptions, Tokenizer } from "./types.js";
import { UnigramModel, type UnigramPiece } from "./unigram.js";

const BYTE_PIECE = /^<0x([0-9A-F]{2})>$/;

function readPieces(model: Record<string, unknown>): UnigramPiece[] {
  if (!Array.isArray(model.vocab) || model.vocab.length === 0)
    invalid("model.vocab", "missing or not a [piece, score] list");
  return model.vocab.map((entry, i) => {
    if (!Array.isArray(entry) || typeof entry[0] !== "string" || typeof entry[1] !== "number") {
      invalid(`model.vocab[${i}]`, "expected [piece, score]");
    }
    return { piece: entry[0], score: entry[1] };
  });
}

function withoutFirstPrepend(spec: unknown): unknown {
  if (typeof spec !== "object" || spec === null) return spec;
  const node = spec as Record<string, unknown>;
  if (node.type === "Metaspace" && node.prepend_scheme === "first")
    return { ...node, prepend_scheme: "never" };
  if (node.type === "Sequence" && Array.isArray(node.pretokenizers)) {
    return { ...node, pretokenizers: node.pretokenizers.map(withoutFirstPrepend) };
  }
  return spec;
}

/** SentencePiece Unigram tokenizer (SigLIP, T5-style) from a Hugging Face tokenizer.json. */
export class UnigramTokenizer implements Tokenizer {
  readonly kind = "unigram" as const;
  readonly vocabSize: number;
  readonly modelMaxLength: number;
  readonly padTokenId: number;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly #pieces: UnigramPiece[];
  readonly #ids: Map<string, number>;
  readonly #model: UnigramModel;
  readonly #normalize: Normalizer;
  readonly #preTokenize: PreTokenizer;
  /** For text after a special token: Metaspace's `prepend_scheme: "first"` prepends only once. */
  readonly #preTokenizeRest: PreTokenizer;
  readonly #specials: SpecialIds;
  readonly #specialIds: Set<number>;
  readonly #specialSplit: RegExp | undefined;
  readonly #defaultPadding: "longest" | "max_length";
  readonly #replacement: string;
  readonly #cache = new LruCache<string, number[]>(20_000);

  constructor(json: Record<string, unknown>, config?: unknown) {
    const model = asObject(json.model, "model");
    this.#pieces = readPieces(model);
    this.#ids = new Map();
    this.#pieces.forEach(({ piece }, id) => {
      if (!this.#ids.has(piece)) this.#ids.set(piece, id);
    });
    const added = readAddedTokens(json);
    for (const token of added) if (!this.#ids.has(token.content)) this.#ids.set(token.content, token.id);
    const unkId = model.unk_id ?? 0;
    if (!Number.isInteger(unkId) || (unkId as number) < 0 || (unkId as number) >= this.#pieces.length) {
      invalid("model.unk_id", `not an id of model.vocab (${String(unkId)})`);
    }
    const byteFallback = model.byte_fallback === true;
    this.#specialIds = new Set(added.filter((t) => t.special).map((t) => t.id));
    const unmatchable = new Set([...this.#specialIds, unkId as number]);
    this.#model = new UnigramModel(
      this.#pieces,
      unkId as number,
      (id) => !unmatchable.has(id) && !(byteFallback && BYTE_PIECE.test(this.#pieces[id]!.piece)),
      byteFallback,
    );
    this.#normalize = createNormalizer(json.normalizer);
    this.#preTokenize = createPreTokenizer(json.pre_tokenizer);
    this.#preTokenizeRest = createPreTokenizer(withoutFirstPrepend(json.pre_tokenizer));
    this.#specials = readPostProcessor(json.post_processor);
    const specialTokens = added
      .filter((t) => t.special)
      .map((t) => t.content.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    this.#specialSplit =
      specialTokens.length > 0 ? new RegExp(`(${specialTokens.join("|")})`, "u") : undefined;
    const pre = json.pre_tokenizer as { replacement?: unknown } | null | undefined;
    this.#replacement = typeof pre?.replacement === "string" ? pre.replacement : "\u2581";

    const settings = readSettings(json, config);
    this.vocabSize = Math.max(this.#pieces.length, ...added.map((t) => t.id + 1));
    this.modelMaxLength = settings.modelMaxLength ?? 64;
    this.eosTokenId =
      settings.eosToken !== undefined ? this.#ids.get(settings.eosToken) : this.#specials.suffix.at(-1);
    this.bosTokenId =
      settings.bosToken !== undefined ? this.#ids.get(settings.bosToken) : this.#specials.prefix[0];
    const padId = settings.padToken !== undefined ? this.#ids.get(settings.padToken) : settings.padId;
    const resolvedPad = padId ?? this.eosTokenId ?? unkId;
    this.padTokenId = resolvedPad as number;
    // No padding block or a Fixed one (SigLIP) → pad to max_length; "BatchLongest" → longest.
    const strategy = (json.padding as { strategy?: unknown } | null | undefined)?.strategy;
    this.#defaultPadding = strategy === "BatchLongest" ? "longest" : "max_length";
  }

  #encodeSegment(text: string, ids: number[], first: boolean): void {
    const preTokenize = first ? this.#preTokenize : this.#preTokenizeRest;
    for (const word of preTokenize(this.#normalize(text))) {
      let wordIds = this.#cache.get(word);
      if (wordIds === undefined) {
        wordIds = this.#model.encodeWord(word);
        this.#cache.set(word, wordIds);
      }
      for (const id of wordIds) ids.push(id);
    }
  }

  #encodeCore(text: string): number[] {
    const ids: number[] = [];
    // Special tokens written in the text map to their ids, as Hugging Face's added tokens do.
    const parts = this.#specialSplit ? text.split(this.#specialSplit) : [text];
    parts.forEach((part, i) => {
      if (i % 2 === 1) ids.push(this.#ids.get(part)!);
      else if (part.length > 0) this.#encodeSegment(part, ids, i === 0);
    });
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
    return padRows(rows, options?.padding ?? this.#defaultPadding, maxLength, this.padTokenId);
  }

  /** Joins pieces, turns `<0xXX>` byte pieces back into UTF-8 and `▁` into spaces, trims the first. */
  decode(ids: readonly number[], options?: DecodeOptions): string {
    const skip = options?.skipSpecialTokens ?? true;
    const bytes: number[] = [];
    const utf8 = new TextEncoder();
    for (const id of ids) {
      if (skip && this.#specialIds.has(id)) continue;
      const piece = this.#pieces[id]?.piece;
      if (piece === undefined) {
        throw new ClipkitError(
          "INVALID_ARGUMENT",
          `id ${id} is outside the vocabulary (size ${this.vocabSize})`,
          {
            details: { argument: "ids", id },
          },
        );
      }
      const byte = BYTE_PIECE.exec(piece);
      if (byte) bytes.push(Number.parseInt(byte[1]!, 16));
      else bytes.push(...utf8.encode(piece.replaceAll(this.#replacement, " ")));
    }
    const text = new TextDecoder().decode(Uint8Array.from(bytes));
    return text.startsWith(" ") ? text.slice(1) : text;
  }

  tokenToId(token: string): number | undefined {
    return this.#ids.get(token);
  }
}

/** A Unigram tokenizer from a parsed tokenizer.json (+ optional tokenizer_config.json). */
export function createUnigramTokenizer(json: Record<string, unknown>, config?: unknown): UnigramTokenizer {
  return new UnigramTokenizer(json, config);
}
