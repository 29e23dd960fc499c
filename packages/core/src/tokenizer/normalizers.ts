import { PrecompiledCharsMap } from "./precompiled.js";
import { asObject, invalid } from "./tokenizer-json.js";

/** A text → text step of a tokenizer.json `normalizer`. */
export type Normalizer = (text: string) => string;

// Oniguruma / Rust regex (and Python's re.escape) allow escaping any punctuation, like `\#`;
// JavaScript's unicode mode only allows escaping syntax characters, so drop the other escapes.
function toJsRegexSource(source: string): string {
  return source.replace(/\\(.)/gsu, (escaped, ch: string) =>
    /[\w\s^$\\.*+?()[\]{}|/-]/u.test(ch) ? escaped : ch,
  );
}

/** Builds a RegExp (global, unicode) or literal matcher from a `{ Regex }` / `{ String }` pattern. */
export function readPattern(value: unknown, field: string): RegExp {
  const pattern = asObject(value, field);
  if (typeof pattern.Regex === "string") {
    try {
      return new RegExp(toJsRegexSource(pattern.Regex), "gu");
    } catch (cause) {
      return invalid(
        field,
        `regex ${JSON.stringify(pattern.Regex)} is not valid in JavaScript: ${String(cause)}`,
      );
    }
  }
  if (typeof pattern.String === "string")
    return new RegExp(pattern.String.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gu");
  return invalid(field, "expected { Regex } or { String }");
}

/**
 * Interprets a tokenizer.json `normalizer` block. Supported: Sequence, NFC/NFD/NFKC/NFKD,
 * Lowercase, Replace, Strip, Prepend, and Precompiled (SentencePiece's compiled charsmap, applied
 * longest-match-first like SentencePiece itself).
 */
export function createNormalizer(spec: unknown, field = "normalizer"): Normalizer {
  if (spec === null || spec === undefined) return (text) => text;
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
      return (text) => text.normalize(form);
    }
    case "Precompiled": {
      // An empty charsmap (SentencePiece's "identity" rule) normalizes nothing.
      if (typeof node.precompiled_charsmap !== "string" || node.precompiled_charsmap === "")
        return (text) => text;
      const charsMap = new PrecompiledCharsMap(node.precompiled_charsmap, `${field}.precompiled_charsmap`);
      return (text) => charsMap.normalize(text);
    }
    case "Lowercase":
      return (text) => text.toLowerCase();
    case "Replace": {
      const pattern = readPattern(node.pattern, `${field}.pattern`);
      const content = typeof node.content === "string" ? node.content : "";
      return (text) => text.replace(pattern, () => content);
    }
    case "Strip": {
      const left = node.strip_left !== false;
      const right = node.strip_right !== false;
      return (text) =>
        left && right ? text.trim() : left ? text.trimStart() : right ? text.trimEnd() : text;
    }
    case "Prepend": {
      const prefix = typeof node.prepend === "string" ? node.prepend : "";
      return (text) => (text.length > 0 ? prefix + text : text);
    }
    default:
      return invalid(`${field}.type`, `unsupported normalizer ${JSON.stringify(node.type)}`);
  }
}
