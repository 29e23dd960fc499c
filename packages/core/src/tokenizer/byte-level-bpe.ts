import { BpeModel } from "./bpe.js";
import { bytesToUnicode, unicodeToBytes } from "./bytes-to-unicode.js";
import { LruCache } from "./lru.js";
import {
  type AddedToken,
  asObject,
  invalid,
  readAddedTokens,
  readMerges,
  readSettings,
  readVocab,
} from "./tokenizer-json.js";
import type { BatchEncodeOptions, BatchEncoding, DecodeOptions, EncodeOptions, Tokenizer } from "./types.js";

// GPT-2's pre-tokenizer split (tokenizers' ByteLevel `use_regex: true`).
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const utf8 = new TextDecoder("utf-8");

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

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
 * Builds a GPT-2 style byte-level BPE tokenizer from a parsed Hugging Face `tokenizer.json`
 * (`model.type: "BPE"`, ByteLevel pre-tokenizer and decoder) and optional `tokenizer_config.json`.
 *
 * Like `tokenizers`, added tokens (e.g. `<|endoftext|>`, `<image>`) are split out before the
 * regex, and `addSpecialTokens` adds nothing: GPT-2's post-processor adds no BOS/EOS. Malformed
 * files fail with `TOKENIZER_INVALID` naming the field.
 */
export function createByteLevelBpeTokenizer(tokenizerJson: unknown, tokenizerConfig?: unknown): Tokenizer {
  const json = asObject(tokenizerJson, "(root)");
  const model = asObject(json.model, "model");
  if (model.type !== "BPE") invalid("model.type", `expected "BPE", got ${JSON.stringify(model.type)}`);
  const vocab = readVocab(model);
  const bpe = new BpeModel(
    new Map(readMerges(model).map(([left, right], rank) => [`${left} ${right}`, rank])),
  );
  const added = readAddedTokens(json);
  const settings = readSettings(json, tokenizerConfig);
  const idToToken = new Map<number, string>();
  for (const [token, id] of vocab) idToToken.set(id, token);
  const addedByContent = new Map<string, AddedToken>();
  for (const t of added) {
    addedByContent.set(t.content, t);
    idToToken.set(t.id, t.content);
  }
  const specialIds = new Set(added.filter((t) => t.special).map((t) => t.id));
  const tokenToId = (token: string): number | undefined => addedByContent.get(token)?.id ?? vocab.get(token);
  const idOf = (name: string | undefined, field: string): number | undefined => {
    if (name === undefined) return undefined;
    const id = tokenToId(name);
    if (id === undefined) invalid(field, `special token ${JSON.stringify(name)} is not in the vocabulary`);
    return id;
  };
  const bosTokenId = idOf(settings.bosToken, "bos_token");
  const eosTokenId = idOf(settings.eosToken, "eos_token");
  const padTokenId = settings.padId ?? idOf(settings.padToken, "pad_token") ?? eosTokenId ?? 0;
  const modelMaxLength = settings.modelMaxLength ?? 1024;
  let vocabSize = 0;
  for (const id of idToToken.keys()) vocabSize = Math.max(vocabSize, id + 1);
  // Longest first, so "<|endoftext|>" wins over any added token that is its prefix.
  const addedSplit =
    added.length === 0
      ? undefined
      : new RegExp(
          `(${[...addedByContent.keys()]
            .sort((a, b) => b.length - a.length)
            .map(escapeRegExp)
            .join("|")})`,
          "u",
        );
  const cache = new LruCache<string, number[]>(4096);

  function encodeWord(word: string): number[] {
    const cached = cache.get(word);
    if (cached) return cached;
    const ids = bpe.encodeWord(bytesToUnicode(word)).map((symbol) => {
      const id = vocab.get(symbol);
      // A merge result missing from the vocab means the file is inconsistent, not the text.
      if (id === undefined) invalid("model.vocab", `BPE symbol ${JSON.stringify(symbol)} has no id`);
      return id;
    });
    cache.set(word, ids);
    return ids;
  }

  function encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    const parts = addedSplit ? text.split(addedSplit) : [text];
    for (const part of parts) {
      if (part === "") continue;
      const special = addedByContent.get(part);
      if (special) {
        ids.push(special.id);
        continue;
      }
      for (const m of part.matchAll(GPT2_SPLIT)) ids.push(...encodeWord(m[0]));
    }
    const max = options.maxLength ?? modelMaxLength;
    if ((options.truncation ?? true) && ids.length > max) ids.length = max;
    return ids;
  }

  function encodeBatch(texts: readonly string[], options: BatchEncodeOptions = {}): BatchEncoding {
    const rows = texts.map((t) => encode(t, options));
    const padding = options.padding ?? "longest";
    const width =
      padding === "max_length"
        ? (options.maxLength ?? modelMaxLength)
        : Math.max(0, ...rows.map((r) => r.length));
    const inputIds: number[][] = [];
    const attentionMask: number[][] = [];
    for (const row of rows) {
      const pad = padding === false ? 0 : Math.max(0, width - row.length);
      inputIds.push([...row, ...new Array<number>(pad).fill(padTokenId)]);
      attentionMask.push([...new Array<number>(row.length).fill(1), ...new Array<number>(pad).fill(0)]);
    }
    return { inputIds, attentionMask };
  }

  function decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skip = options.skipSpecialTokens ?? true;
    let out = "";
    let pending = "";
    const flush = () => {
      if (pending) out += utf8.decode(unicodeToBytes(pending));
      pending = "";
    };
    for (const id of ids) {
      const token = idToToken.get(id);
      if (token === undefined) continue;
      if (addedByContent.has(token)) {
        if (skip && specialIds.has(id)) continue;
        flush();
        out += token;
      } else {
        pending += token;
      }
    }
    flush();
    return out;
  }

  return {
    kind: "byte-level-bpe",
    vocabSize,
    modelMaxLength,
    padTokenId,
    bosTokenId,
    eosTokenId,
    encode,
    encodeBatch,
    decode,
    tokenToId,
  };
}
