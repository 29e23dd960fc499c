import { PrecompiledCharsMap } from "./precompiled.js";
import { readPattern } from "./regex.js";
import { asObject, invalid } from "./tokenizer-json.js";
import {
  COMBINING_MARK,
  lowercasePerCodePoint,
  NONSPACING_MARK,
  OTHER,
  stripWhitespace,
  WHITESPACE,
} from "./unicode.js";

/** A text → text step of a tokenizer.json `normalizer`. */
export type Normalizer = (text: string) => string;

export { readPattern } from "./regex.js";

const identity: Normalizer = (text) => text;

function allBelow(text: string, limit: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= limit) return false;
  return true;
}

function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/**
 * tokenizers' BertNormalizer: drop NUL, U+FFFD and other (C*) characters except tab/newline/CR,
 * turn whitespace into spaces, pad CJK ideographs with spaces, strip accents (NFD, drop Mn;
 * defaults to `lowercase`), lowercase per code point.
 */
function bertNormalizer(node: Record<string, unknown>): Normalizer {
  const cleanText = node.clean_text !== false;
  const chinese = node.handle_chinese_chars !== false;
  const lowercase = node.lowercase !== false;
  const stripAccents = typeof node.strip_accents === "boolean" ? node.strip_accents : lowercase;
  return (text) => {
    let out = "";
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (cleanText) {
        if (ch === "\t" || ch === "\n" || ch === "\r") {
          out += " ";
          continue;
        }
        if (cp === 0 || cp === 0xfffd || OTHER.test(ch)) continue;
        if (WHITESPACE.test(ch)) {
          out += " ";
          continue;
        }
      }
      out += chinese && isChineseChar(cp) ? ` ${ch} ` : ch;
    }
    if (stripAccents) out = out.normalize("NFD").replace(NONSPACING_MARK, "");
    return lowercase ? lowercasePerCodePoint(out) : out;
  };
}

/**
 * Interprets a tokenizer.json `normalizer` block as tokenizers does: Sequence, NFC/NFD/NFKC/NFKD,
 * Lowercase (per code point, see {@link lowercasePerCodePoint}), Strip (Unicode White_Space),
 * StripAccents (drops M* marks), Replace (string or Oniguruma regex), Prepend, BertNormalizer, and
 * Precompiled (SentencePiece's compiled charsmap, applied per grapheme like tokenizers).
 */
export function createNormalizer(spec: unknown, field = "normalizer"): Normalizer {
  if (spec === null || spec === undefined) return identity;
  const node = asObject(spec, field);
  switch (node.type) {
    case "Sequence": {
      if (!Array.isArray(node.normalizers)) invalid(`${field}.normalizers`, "not an array");
      const steps = node.normalizers.map((s, i) => createNormalizer(s, `${field}.normalizers[${i}]`));
      return (text) => steps.reduce((t, step) => step(t), text);
    }
    case "NFC":
    case "NFD":
    case "NFKC":
    case "NFKD": {
      const form = node.type;
      // Text below U+0300 is already NFC (no combining marks, no NFC_Quick_Check=No characters);
      // ASCII is stable under every form. Skipping ICU there matters for short captions.
      const limit = form === "NFC" ? 0x300 : 0x80;
      return (text) => (allBelow(text, limit) ? text : text.normalize(form));
    }
    case "Precompiled": {
      // An empty charsmap (SentencePiece's "identity" rule) normalizes nothing.
      if (typeof node.precompiled_charsmap !== "string" || node.precompiled_charsmap === "") return identity;
      const charsMap = new PrecompiledCharsMap(node.precompiled_charsmap, `${field}.precompiled_charsmap`);
      return (text) => charsMap.normalizeGraphemes(text);
    }
    case "Lowercase":
      return lowercasePerCodePoint;
    case "Replace": {
      const pattern = readPattern(node.pattern, `${field}.pattern`);
      const content = typeof node.content === "string" ? node.content : "";
      return (text) => text.replace(pattern, () => content);
    }
    case "Strip": {
      const left = node.strip_left !== false;
      const right = node.strip_right !== false;
      return (text) => stripWhitespace(text, left, right);
    }
    case "StripAccents":
      return (text) => text.replace(COMBINING_MARK, "");
    case "Prepend": {
      const prefix = typeof node.prepend === "string" ? node.prepend : "";
      return (text) => (text.length > 0 ? prefix + text : text);
    }
    case "BertNormalizer":
      return bertNormalizer(node);
    default:
      return invalid(`${field}.type`, `unsupported normalizer ${JSON.stringify(node.type)}`);
  }
}
