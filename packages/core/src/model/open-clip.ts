import type { ModelFiles } from "../backend/session.js";
import { ClipkitError } from "../errors.js";
import { parsePreprocessorConfig } from "../image/config.js";
import type { PreprocessConfig } from "../image/types.js";
import { deferredTokenizer, type LoadTokenizerOptions, loadTokenizer } from "../tokenizer/create.js";
import { fixText } from "../tokenizer/ftfy.js";
import { unescapeHtml } from "../tokenizer/html-unescape.js";
import type { BatchEncodeOptions, EncodeOptions, Tokenizer } from "../tokenizer/types.js";
import type { ModelConfig } from "./config.js";

/** The file open_clip writes next to `open_clip_model.safetensors` (`model_cfg` + `preprocess_cfg`). */
export const OPEN_CLIP_CONFIG = "open_clip_config.json";

/** open_clip's text cleaning modes (`text_cfg.tokenizer_kwargs.clean`, open_clip `get_clean_fn`). */
export type OpenClipClean = "lower" | "whitespace" | "canonicalize";

/** What clipkit reads from an `open_clip_config.json`. */
export interface OpenClipConfig {
  readonly model: ModelConfig;
  /** open_clip's eval transform (`image_transform_v2`), `vision_cfg.image_size` merged in. */
  readonly preprocess: PreprocessConfig;
  /** Cleaning its tokenizer applies: `lower` for `SimpleTokenizer`, else `tokenizer_kwargs.clean` (default `whitespace`). */
  readonly clean: OpenClipClean;
}

type Json = Record<string, unknown>;

function object(v: unknown): Json | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function invalid(file: string, key: string, message: string): never {
  throw new ClipkitError("MODEL_CONFIG_INVALID", `${file}: ${message}`, { details: { file, key } });
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * Parses an `open_clip_config.json` (the hub layout open_clip's `push_to_hf_hub` writes). A model
 * with `init_logit_bias` was trained with the sigmoid loss (SigLIP-style: `modelType: "siglip"`,
 * texts padded to the full context); otherwise it is CLIP-style (softmax). The trained scale and
 * bias are not in this file: they are read from the export's combined graph.
 *
 * @throws ClipkitError `MODEL_CONFIG_INVALID` naming the file and key at fault.
 */
export function parseOpenClipConfig(text: string, file = OPEN_CLIP_CONFIG): OpenClipConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ClipkitError("MODEL_CONFIG_INVALID", `${file} is not valid JSON`, {
      cause: error,
      details: { file },
    });
  }
  const model = object(object(raw)?.model_cfg);
  if (!model) return invalid(file, "model_cfg", "model_cfg must be an object");
  const textCfg = object(model.text_cfg) ?? {};
  const visionCfg = object(model.vision_cfg) ?? {};
  const rawSize = visionCfg.image_size;
  const size = Array.isArray(rawSize) ? rawSize : [rawSize, rawSize];
  const [height, width] = size.map(positiveInt);
  if (height === undefined || width === undefined) {
    return invalid(
      file,
      "model_cfg.vision_cfg.image_size",
      `vision_cfg.image_size must be a positive integer or [h, w], got ${JSON.stringify(rawSize)}`,
    );
  }
  const siglip = typeof model.init_logit_bias === "number";
  const pre = object(object(raw)?.preprocess_cfg) ?? {};
  // open_clip's PreprocessCfg calls the size `size`; the parser takes open_clip's `image_size`.
  const { size: _size, ...preprocess } = pre;
  const kwargs = object(textCfg.tokenizer_kwargs) ?? {};
  const hf = typeof textCfg.hf_tokenizer_name === "string" && textCfg.hf_tokenizer_name.length > 0;
  const clean = kwargs.clean ?? (hf ? "whitespace" : "lower");
  if (clean !== "lower" && clean !== "whitespace" && clean !== "canonicalize") {
    return invalid(
      file,
      "model_cfg.text_cfg.tokenizer_kwargs.clean",
      `unsupported tokenizer clean mode ${JSON.stringify(clean)} (lower, whitespace, canonicalize)`,
    );
  }
  const embedDim = positiveInt(model.embed_dim);
  return {
    model: {
      modelType: siglip ? "siglip" : "clip",
      ...(embedDim !== undefined ? { projectionDim: embedDim } : {}),
      maxTextLength: positiveInt(textCfg.context_length) ?? 77,
      ...(height === width ? { imageSize: height } : {}),
    },
    preprocess: parsePreprocessorConfig({ ...preprocess, image_size: [height, width] }),
    clean,
  };
}

// Python's `str.split()` whitespace (what open_clip's `whitespace_clean` / canonicalize collapse).
const PY_WHITESPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_SPACE = new RegExp(`[${PY_WHITESPACE}]+`, "g");
const PY_EDGE_SPACE = new RegExp(`^[${PY_WHITESPACE}]+|[${PY_WHITESPACE}]+$`, "g");
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** open_clip's `basic_clean`: ftfy, HTML-unescape twice, strip. */
function basicClean(text: string): string {
  const t = unescapeHtml(unescapeHtml(fixText(text)));
  return t.replace(PY_EDGE_SPACE, "");
}

/** open_clip's `get_clean_fn(mode)` as a function of one text. */
export function openClipCleaner(mode: OpenClipClean): (text: string) => string {
  // Runs become one space, so Python's strip() is dropping one space at each end.
  const whitespace = (t: string) => t.replace(PY_SPACE, " ").replace(/^ | $/g, "");
  if (mode === "lower") return (t) => whitespace(basicClean(t)).toLowerCase();
  if (mode === "whitespace") return (t) => whitespace(basicClean(t));
  // canonicalize_text(basic_clean(x)): "_" → " ", drop ASCII punctuation, lowercase, split/join.
  return (t) =>
    basicClean(t)
      .replace(/_/g, " ")
      .replace(PUNCTUATION, "")
      .toLowerCase()
      .split(PY_SPACE)
      .filter(Boolean)
      .join(" ");
}

/** A tokenizer that cleans every text with `clean` before `inner` sees it. */
export function withTextCleaning(inner: Tokenizer, clean: (text: string) => string): Tokenizer {
  return {
    kind: inner.kind,
    vocabSize: inner.vocabSize,
    modelMaxLength: inner.modelMaxLength,
    padTokenId: inner.padTokenId,
    bosTokenId: inner.bosTokenId,
    eosTokenId: inner.eosTokenId,
    encode: (text: string, options?: EncodeOptions) => inner.encode(clean(text), options),
    encodeBatch: (texts: readonly string[], options?: BatchEncodeOptions) =>
      inner.encodeBatch(texts.map(clean), options),
    decode: (ids, options) => inner.decode(ids, options),
    tokenToId: (token) => inner.tokenToId(token),
  };
}

/**
 * The tokenizer of an open_clip folder: its `tokenizer.json` with open_clip's cleaning. CLIP BPE
 * folders (`SimpleTokenizer`, clean `lower`) use the CLIP tokenizer's own openai cleaning, which
 * is the same function; other tokenizers get the configured open_clip cleaning in front.
 * `options.deferParse` reads the files now and parses them on first use, as
 * {@link loadTokenizer}'s option of that name does.
 *
 * @throws ClipkitError `FILE_NOT_FOUND` / `CONFIG_INVALID` for a missing or malformed tokenizer —
 *   at load, or at first use with `deferParse`.
 */
export async function loadOpenClipTokenizer(
  files: ModelFiles,
  config: OpenClipConfig,
  options: Pick<LoadTokenizerOptions, "deferParse"> = {},
): Promise<Tokenizer> {
  const lower = config.clean === "lower";
  // loadTokenizer already gives an open_clip folder with a CLIP BPE vocabulary the openai cleaning.
  // Deferred here too: `wrap` asks for `kind`, which is what parses it.
  const base = await loadTokenizer(files, { deferParse: true });
  const wrap = (): Tokenizer => {
    if (base.kind === "clip-bpe") {
      const padded = withZeroPadding(base);
      return lower ? padded : withTextCleaning(padded, openClipCleaner(config.clean));
    }
    return withTextCleaning(base, openClipCleaner(config.clean));
  };
  return options.deferParse ? deferredTokenizer(wrap) : wrap();
}

/**
 * open_clip's `SimpleTokenizer` fills rows with 0 after `<end_of_text>`, not with the
 * tokenizer.json pad (`<|endoftext|>`). CLIP's argmax-EOT pooling does not see the difference;
 * CoCa's text tower does (its CLS attends only to `text != pad_id`, pad_id 0).
 */
function withZeroPadding(inner: Tokenizer): Tokenizer {
  return {
    kind: inner.kind,
    vocabSize: inner.vocabSize,
    modelMaxLength: inner.modelMaxLength,
    padTokenId: 0,
    bosTokenId: inner.bosTokenId,
    eosTokenId: inner.eosTokenId,
    encode: (text: string, options?: EncodeOptions) => inner.encode(text, options),
    encodeBatch: (texts: readonly string[], options?: BatchEncodeOptions) => {
      const enc = inner.encodeBatch(texts, options);
      return {
        inputIds: enc.inputIds.map((row, r) => row.map((id, c) => (enc.attentionMask[r]![c] === 1 ? id : 0))),
        attentionMask: enc.attentionMask,
      };
    },
    decode: (ids, options) => inner.decode(ids, options),
    tokenToId: (token) => inner.tokenToId(token),
  };
}

/**
 * Whether `files` is an open_clip folder: an `open_clip_config.json` and no `config.json`, or a
 * `config.json` that only marks an open_clip CoCa export for the VLM loader (`model_type: "coca"`).
 */
export async function isOpenClipFolder(files: ModelFiles): Promise<boolean> {
  if (!(await files.exists(OPEN_CLIP_CONFIG))) return false;
  if (!(await files.exists("config.json"))) return true;
  try {
    return object(JSON.parse(await files.readText("config.json")))?.model_type === "coca";
  } catch {
    return false; // not JSON: the transformers loaders report it
  }
}
