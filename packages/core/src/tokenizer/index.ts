export { createByteLevelBpeTokenizer, isByteLevelBpe } from "./byte-level-bpe.js";
export { cleanClipText } from "./clean-text.js";
export {
  CLIP_MERGE_COUNT,
  type ClipMergesOptions,
  createClipTokenizerFromMerges,
  gunzipText,
} from "./clip-merges.js";
export { ClipBpeTokenizer, type ClipTokenizerOptions } from "./clip-tokenizer.js";
export {
  type ClipTokenizerJsonOptions,
  clipTokenizerJsonFromMerges,
  type TokenizerFiles,
} from "./clip-tokenizer-json.js";
export {
  createTokenizer,
  deferredTokenizer,
  type LoadTokenizerOptions,
  loadTokenizer,
  type TextCleaning,
  type TokenizerOptions,
} from "./create.js";
export { fixText } from "./ftfy.js";
export { unescapeHtml } from "./html-unescape.js";
export { JsonTokenizer } from "./json-tokenizer.js";
export type {
  BatchEncodeOptions,
  BatchEncoding,
  DecodeOptions,
  EncodeOptions,
  Tokenizer,
  TokenizerKind,
} from "./types.js";
