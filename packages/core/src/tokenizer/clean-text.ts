import { fixText } from "./ftfy.js";
import { unescapeHtml } from "./html-unescape.js";

// Python's `\s` (the `regex` module, Unicode): White_Space plus the C0 separators 0x1C–0x1F.
const PY_WHITESPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const WHITESPACE_RUN = new RegExp(`[${PY_WHITESPACE}]+`, "g");
const EDGE_WHITESPACE = new RegExp(`^[${PY_WHITESPACE}]+|[${PY_WHITESPACE}]+$`, "g");

/**
 * openai/CLIP's caption cleaning: `ftfy.fix_text`, HTML-unescape twice, strip, collapse
 * whitespace runs to one space, lowercase. Ids only match the released models with it.
 */
export function cleanClipText(text: string): string {
  text = unescapeHtml(unescapeHtml(fixText(text)));
  text = text.replace(EDGE_WHITESPACE, "").replace(WHITESPACE_RUN, " ");
  return text.toLowerCase();
}

/** The pattern openai/CLIP splits cleaned text with; `<|…|>` specials survive as one piece. */
export const CLIP_SPLIT_PATTERN =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;
