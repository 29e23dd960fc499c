import { BpeModel } from "./bpe.js";
import { asObject, invalid, readMerges, readVocab } from "./tokenizer-json.js";
import { UnigramModel, type UnigramPiece } from "./unigram.js";
import { WordPieceModel } from "./wordpiece.js";

/** A tokenizer.json `model`: segments one pre-tokenized word into ids. */
export interface TokenModel {
  readonly type: "BPE" | "Unigram" | "WordPiece";
  /** Token → id of the model's own vocabulary. */
  readonly vocab: ReadonlyMap<string, number>;
  /** Id → token (the model's vocabulary only; added tokens come on top). */
  readonly idToToken: readonly (string | undefined)[];
  tokenize(word: string): number[];
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function readPieces(model: Record<string, unknown>): UnigramPiece[] {
  if (!Array.isArray(model.vocab) || model.vocab.length === 0)
    invalid("model.vocab", "missing or not a [piece, score] list");
  return model.vocab.map((entry, i) => {
    if (!Array.isArray(entry) || typeof entry[0] !== "string" || typeof entry[1] !== "number")
      invalid(`model.vocab[${i}]`, "expected [piece, score]");
    return { piece: entry[0], score: entry[1] };
  });
}

function inverse(vocab: ReadonlyMap<string, number>): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (const [token, id] of vocab) out[id] = token;
  return out;
}

/** The model's type, from `model.type` or (older files) from the shape of its vocabulary. */
export function modelType(model: Record<string, unknown>): unknown {
  if (model.type !== undefined) return model.type;
  if (model.merges !== undefined) return "BPE";
  if (Array.isArray(model.vocab)) return "Unigram";
  if (model.continuing_subword_prefix !== undefined) return "WordPiece";
  return undefined;
}

/** Builds the BPE, Unigram or WordPiece model of a parsed tokenizer.json. */
export function createModel(json: Record<string, unknown>): TokenModel {
  const model = asObject(json.model, "model");
  const type = modelType(model);
  if (type === "BPE") {
    const vocab = readVocab(model);
    const bpe = new BpeModel(vocab, readMerges(model), {
      unkToken: optionalString(model.unk_token),
      continuingSubwordPrefix: optionalString(model.continuing_subword_prefix),
      endOfWordSuffix: optionalString(model.end_of_word_suffix),
      fuseUnk: model.fuse_unk === true,
      byteFallback: model.byte_fallback === true,
      ignoreMerges: model.ignore_merges === true,
    });
    return { type, vocab, idToToken: inverse(vocab), tokenize: (w) => bpe.tokenize(w) };
  }
  if (type === "Unigram") {
    const pieces = readPieces(model);
    const unkId = model.unk_id ?? 0;
    if (!Number.isInteger(unkId) || (unkId as number) < 0 || (unkId as number) >= pieces.length)
      invalid("model.unk_id", `not an id of model.vocab (${String(unkId)})`);
    const unigram = new UnigramModel(pieces, unkId as number, model.byte_fallback === true);
    const vocab = new Map<string, number>();
    pieces.forEach(({ piece }, id) => {
      vocab.set(piece, id);
    });
    return { type, vocab, idToToken: pieces.map((p) => p.piece), tokenize: (w) => unigram.tokenize(w) };
  }
  if (type === "WordPiece") {
    const vocab = readVocab(model);
    const wordPiece = new WordPieceModel(
      vocab,
      optionalString(model.unk_token) ?? "[UNK]",
      typeof model.continuing_subword_prefix === "string" ? model.continuing_subword_prefix : "##",
      typeof model.max_input_chars_per_word === "number" ? model.max_input_chars_per_word : 100,
    );
    return { type, vocab, idToToken: inverse(vocab), tokenize: (w) => wordPiece.tokenize(w) };
  }
  return invalid(
    "model.type",
    `unsupported tokenizer model ${JSON.stringify(type)} (supported: BPE, Unigram, WordPiece)`,
  );
}
