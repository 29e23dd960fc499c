import type { ModelFiles } from "../backend/session.js";
import { ClipkitError } from "../errors.js";
import { createClipTokenizerFromJson, isClipBpe } from "./clip-from-json.js";
import { JsonTokenizer } from "./json-tokenizer.js";
import { asObject, parseJsonFile } from "./tokenizer-json.js";
import type { Tokenizer } from "./types.js";

/**
 * Text cleaning on top of what tokenizer.json declares.
 * - `"none"`: exactly the file's pipeline, as transformers' fast tokenizer (Rust `tokenizers`)
 *   runs it — the default for a Hugging Face folder.
 * - `"openai"`: openai/CLIP's and open_clip's own pipeline for CLIP BPE vocabularies (ftfy,
 *   HTML-unescape twice, whitespace collapse, lowercase, CLIP's split), which is what the original
 *   checkpoints were trained with — the default for open_clip folders (`open_clip_config.json`).
 */
export type TextCleaning = "none" | "openai";

/** Options for {@link createTokenizer} / {@link loadTokenizer}. */
export interface TokenizerOptions {
  /** See {@link TextCleaning}. `createTokenizer` defaults to `"none"`; `loadTokenizer` picks by folder. */
  readonly textCleaning?: TextCleaning;
  /** Words kept in the per-word cache (default 20,000; 0 disables it). */
  readonly cacheSize?: number;
}

/**
 * Builds the tokenizer a parsed Hugging Face `tokenizer.json` declares (BPE, Unigram or WordPiece
 * with its normalizer, pre-tokenizer, post-processor and decoder), with the optional
 * `tokenizer_config.json` supplying `model_max_length` and the special tokens.
 *
 * @throws ClipkitError `TOKENIZER_INVALID` naming the field at fault (unsupported model type,
 *   normalizer, pre-tokenizer, …); `INVALID_ARGUMENT` for `textCleaning: "openai"` on a
 *   vocabulary that is not CLIP BPE.
 */
export function createTokenizer(
  tokenizerJson: unknown,
  tokenizerConfig?: unknown,
  options: TokenizerOptions = {},
): Tokenizer {
  const json = asObject(tokenizerJson, "(root)");
  const cleaning = options.textCleaning ?? "none";
  if (cleaning === "openai") {
    if (!isClipBpe(json)) {
      throw new ClipkitError(
        "INVALID_ARGUMENT",
        'textCleaning "openai" needs a CLIP BPE tokenizer.json (end_of_word_suffix "</w>")',
        { details: { argument: "textCleaning", value: cleaning } },
      );
    }
    return createClipTokenizerFromJson(json, tokenizerConfig, { cacheSize: options.cacheSize });
  }
  if (cleaning !== "none") {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `textCleaning must be "none" or "openai", got ${String(cleaning)}`,
      {
        details: { argument: "textCleaning", value: cleaning },
      },
    );
  }
  return new JsonTokenizer(json, tokenizerConfig, options.cacheSize);
}

/**
 * Reads `tokenizer.json` (and `tokenizer_config.json` when present) from a model folder and
 * builds its tokenizer with {@link createTokenizer}. Unless `options.textCleaning` says otherwise,
 * an open_clip folder (`open_clip_config.json` present) with a CLIP BPE vocabulary gets
 * `"openai"` cleaning, as open_clip's tokenizer does; every other folder gets exactly its
 * tokenizer.json pipeline, as transformers does.
 */
export async function loadTokenizer(
  files: ModelFiles,
  options: LoadTokenizerOptions = {},
): Promise<Tokenizer> {
  const { deferParse = false, ...rest } = options;
  const text = await files.readText("tokenizer.json");
  const configText = (await files.exists("tokenizer_config.json"))
    ? await files.readText("tokenizer_config.json")
    : undefined;
  const openClip = rest.textCleaning === undefined && (await files.exists("open_clip_config.json"));
  const build = (): Tokenizer => {
    const json = parseJsonFile(text, `${files.location}/tokenizer.json`);
    const config =
      configText === undefined
        ? undefined
        : parseJsonFile(configText, `${files.location}/tokenizer_config.json`);
    const textCleaning =
      rest.textCleaning ?? (openClip && isClipBpe(asObject(json, "(root)")) ? "openai" : "none");
    return createTokenizer(json, config, { ...rest, textCleaning });
  };
  return deferParse ? deferredTokenizer(build) : build();
}

/** Options for {@link loadTokenizer}. */
export interface LoadTokenizerOptions extends TokenizerOptions {
  /**
   * Read the files now but parse them on first use (default `false`). Parsing a 49k-entry CLIP
   * vocabulary costs ~0.3 s, which an image-only job never needs; the price is that a malformed
   * tokenizer.json is reported by the first call that uses the tokenizer, not by the load.
   */
  readonly deferParse?: boolean;
}

/**
 * A {@link Tokenizer} built by `build` on first use (any property or method), then reused. A
 * failing build throws its error at that use and again at the next (nothing half-built is kept).
 */
export function deferredTokenizer(build: () => Tokenizer): Tokenizer {
  let built: Tokenizer | undefined;
  const get = (): Tokenizer => {
    built ??= build();
    return built;
  };
  return {
    get kind() {
      return get().kind;
    },
    get vocabSize() {
      return get().vocabSize;
    },
    get modelMaxLength() {
      return get().modelMaxLength;
    },
    get padTokenId() {
      return get().padTokenId;
    },
    get bosTokenId() {
      return get().bosTokenId;
    },
    get eosTokenId() {
      return get().eosTokenId;
    },
    encode: (text, options) => get().encode(text, options),
    encodeBatch: (texts, options) => get().encodeBatch(texts, options),
    decode: (ids, options) => get().decode(ids, options),
    tokenToId: (token) => get().tokenToId(token),
  };
}
