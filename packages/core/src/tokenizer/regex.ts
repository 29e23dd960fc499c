import { asObject, invalid } from "./tokenizer-json.js";

// Oniguruma's Unicode classes (what tokenizers compiles `Regex` patterns with) written for a
// JavaScript `u` regex: JavaScript's `\s` adds U+FEFF and drops U+0085, its `\w`/`\d` are ASCII.
const CLASS_BODY: Record<string, string> = {
  s: "\\p{White_Space}",
  S: "\\P{White_Space}",
  d: "\\p{Nd}",
  D: "\\P{Nd}",
  w: "\\p{L}\\p{M}\\p{Nd}\\p{Pc}",
  h: "0-9a-fA-F",
};
// Characters JavaScript's `u` mode allows after a backslash as identity escapes.
const SYNTAX = /[\^$\\.*+?()[\]{}|/-]/;

function caseInsensitive(source: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === "\\") {
      out += source.slice(i, i + 2);
      i++;
    } else if (ch === "[") {
      inClass = true;
      out += ch;
    } else if (ch === "]") {
      inClass = false;
      out += ch;
    } else if (/[a-z]/i.test(ch)) {
      const both = ch.toLowerCase() + ch.toUpperCase();
      out += inClass ? both : `[${both}]`;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * Translates an Oniguruma pattern (tokenizers' `Regex`) into a JavaScript `u` regex source:
 * Unicode `\s \S \d \D \w \h`, `\x{…}`, identity escapes of non-syntax characters (`\#`, `\&` from
 * Python's `re.escape`), and scoped `(?i:…)` groups (ASCII letters expanded to `[aA]`).
 */
export function onigToJs(source: string): { source: string; flags: string } {
  let flags = "";
  let src = source;
  if (src.startsWith("(?i)")) {
    flags = "i";
    src = src.slice(4);
  }
  let out = "";
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === "\\") {
      const next = src[i + 1] ?? "";
      i++;
      const body = CLASS_BODY[next];
      if (body !== undefined) {
        // A lone \p{…} needs no brackets; a union does, outside a class.
        out += inClass || /^\\[pP]\{\w+\}$/.test(body) ? body : `[${body}]`;
      } else if (next === "W") {
        if (inClass) throw new SyntaxError("\\W inside a character class is not supported");
        out += "[^\\p{L}\\p{M}\\p{Nd}\\p{Pc}]";
      } else if (next === "x" && src[i + 1] === "{") {
        const end = src.indexOf("}", i);
        out += `\\u{${src.slice(i + 2, end)}}`;
        i = end;
      } else if (/[\w]/.test(next) || SYNTAX.test(next)) {
        out += `\\${next}`;
      } else {
        out += next;
      }
    } else if (ch === "[" && !inClass) {
      inClass = true;
      out += ch;
    } else if (ch === "]" && inClass) {
      inClass = false;
      out += ch;
    } else if (!inClass && src.startsWith("(?i:", i)) {
      // Find the group's end, then expand its letters.
      let depth = 0;
      let j = i;
      for (; j < src.length; j++) {
        if (src[j] === "\\") j++;
        else if (src[j] === "(") depth++;
        else if (src[j] === ")" && --depth === 0) break;
      }
      out += `(?:${onigToJs(caseInsensitive(src.slice(i + 4, j))).source})`;
      i = j;
    } else {
      out += ch;
    }
  }
  return { source: out, flags };
}

function escapeLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Builds a global `u` RegExp from a tokenizer.json `{ Regex }` (Oniguruma syntax, translated by
 * {@link onigToJs}) or `{ String }` (a literal) pattern.
 */
export function readPattern(value: unknown, field: string): RegExp {
  const pattern = asObject(value, field);
  if (typeof pattern.Regex === "string") {
    try {
      const { source, flags } = onigToJs(pattern.Regex);
      return new RegExp(source, `gu${flags}`);
    } catch (cause) {
      return invalid(field, `regex ${JSON.stringify(pattern.Regex)} is not supported: ${String(cause)}`);
    }
  }
  if (typeof pattern.String === "string") return new RegExp(escapeLiteral(pattern.String), "gu");
  return invalid(field, "expected { Regex } or { String }");
}
