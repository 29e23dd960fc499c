import { CP1252_HIGH } from "./cp1252.js";
import { HTML5_ENTITIES } from "./data/html-entities.js";

// Python's html.unescape pattern: numeric references with an optional ';', or up to 32 name
// characters with an optional ';' (the longest known prefix wins, like browsers do).
const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;

function isInvalidCodePoint(cp: number): boolean {
  if ((cp >= 0x1 && cp <= 0x8) || cp === 0xb || (cp >= 0xe && cp <= 0x1f)) return true;
  if ((cp >= 0x7f && cp <= 0x9f) || (cp >= 0xfdd0 && cp <= 0xfdef)) return true;
  // U+xFFFE and U+xFFFF of every plane are non-characters.
  return (cp & 0xfffe) === 0xfffe;
}

function numericReference(ref: string): string {
  const hex = ref[1] === "x" || ref[1] === "X";
  const digits = ref.slice(hex ? 2 : 1).replace(/;$/, "");
  const cp = Number.parseInt(digits, hex ? 16 : 10);
  if (cp === 0) return "\ufffd";
  if (cp === 0x0d) return "\r";
  // References to C1 controls mean the Windows-1252 character (HTML5 rule, as Python applies it).
  if (cp >= 0x80 && cp <= 0x9f) return CP1252_HIGH[cp - 0x80]!;
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || !Number.isFinite(cp)) return "\ufffd";
  if (isInvalidCodePoint(cp)) return "";
  return String.fromCodePoint(cp);
}

function namedReference(ref: string): string {
  const exact = HTML5_ENTITIES[ref];
  if (exact !== undefined) return exact;
  for (let end = ref.length - 1; end > 1; end--) {
    const prefix = HTML5_ENTITIES[ref.slice(0, end)];
    if (prefix !== undefined) return prefix + ref.slice(end);
  }
  return `&${ref}`;
}

/**
 * Replaces HTML character references the way Python's `html.unescape` does (named references
 * with or without `;`, decimal and hex references, HTML5's fixes for invalid code points).
 * openai/CLIP runs this twice on every caption, so agreement matters for ids.
 */
export function unescapeHtml(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(CHARREF, (_match, ref: string) =>
    ref[0] === "#" ? numericReference(ref) : namedReference(ref),
  );
}
