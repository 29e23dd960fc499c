/**
 * Character classes and case mapping as Rust's `char` methods define them, which is what the
 * `tokenizers` library (behind transformers' fast tokenizers) uses. JavaScript's own definitions
 * differ in a few places that change ids: `String.prototype.trim` and `\s` also strip U+FEFF (BOM),
 * `toLowerCase` applies Greek final-sigma context (`ΟΔΟΣ` → `οδος`), `\w` is ASCII only.
 */

/** Rust `char::is_whitespace`: the Unicode White_Space property (no U+FEFF, with U+0085). */
export const WHITESPACE = /\p{White_Space}/u;

/** One or more White_Space characters at the start of a string. */
const LEADING_WHITESPACE = /^\p{White_Space}+/u;
/** One or more White_Space characters at the end of a string. */
const TRAILING_WHITESPACE = /\p{White_Space}+$/u;

/** Rust `str::trim_start` / `trim_end` / `trim` (White_Space only). */
export function stripWhitespace(text: string, left: boolean, right: boolean): string {
  let out = text;
  if (left) out = out.replace(LEADING_WHITESPACE, "");
  if (right) out = out.replace(TRAILING_WHITESPACE, "");
  return out;
}

const CAPITAL_SIGMA = "\u03a3";

/**
 * Lowercases one code point at a time, like Rust's `char::to_lowercase` (tokenizers' `Lowercase`
 * and `BertNormalizer`): `Σ` always becomes `σ`, never the word-final `ς` that
 * `String.prototype.toLowerCase` picks by context. Every other mapping (including `İ` → `i̇`) is the
 * same per code point, so only texts with a capital sigma take the slow path.
 */
export function lowercasePerCodePoint(text: string): string {
  if (!text.includes(CAPITAL_SIGMA)) return text.toLowerCase();
  let out = "";
  let start = 0;
  for (let i = text.indexOf(CAPITAL_SIGMA); i >= 0; i = text.indexOf(CAPITAL_SIGMA, start)) {
    out += `${text.slice(start, i).toLowerCase()}\u03c3`;
    start = i + 1;
  }
  return out + text.slice(start).toLowerCase();
}

/** tokenizers' punctuation test (BertPreTokenizer, Punctuation): ASCII punctuation or Unicode P*. */
export const PUNCTUATION = /[!-/:-@[-`{-~]|\p{P}/u;

/** Rust `char::is_numeric`: Unicode N* (Nd, Nl, No). */
export const NUMERIC = /\p{N}/u;

/**
 * unicode_categories' `is_other` (BertNormalizer's control test): Cc, Cf, Co, Cs — not the
 * unassigned Cn (a noncharacter like U+FFFF stays).
 */
export const OTHER = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u;

/** unicode-normalization's `is_combining_mark`: M* (Mn, Mc, Me). */
export const COMBINING_MARK = /\p{M}/gu;

/** Nonspacing marks (Mn), which BertNormalizer's accent stripping drops after NFD. */
export const NONSPACING_MARK = /\p{Mn}/gu;
