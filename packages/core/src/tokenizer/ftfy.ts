import { CP1252_HIGH } from "./cp1252.js";
import { HTML5_ENTITIES } from "./data/html-entities.js";
import { fixUtf8Mojibake } from "./mojibake.js";

// ftfy only unescapes complete references (with the ';'), and only when the text is not HTML.
const HTML_ENTITY = /&#?[0-9A-Za-z]{1,24};/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the escapes being removed.
const TERMINAL_ESCAPE = /\x1b\[((?:\d|;)*)([a-zA-Z])/g;
const C1_CONTROL = /[\u0080-\u009f]/g;
const SINGLE_QUOTE = /[\u02bc\u2018-\u201b]/g;
const DOUBLE_QUOTE = /[\u201c-\u201f]/g;
const LINE_BREAK = /\r\n|[\r\u2028\u2029\u0085]/g;
// Lone surrogates cannot be encoded; ftfy pairs what it can and replaces the rest.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Control characters ftfy removes: C0 except \t \n \f \r, DEL, deprecated format characters,
// the BOM / ZWNBSP, interlinear annotation marks, musical formatting and tag characters.
const CONTROL_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x00, 0x08],
  [0x0b, 0x0b],
  [0x0e, 0x1f],
  [0x7f, 0x7f],
  [0x206a, 0x206f],
  [0xfeff, 0xfeff],
  [0xfff9, 0xfffc],
  [0x1d173, 0x1d17a],
  [0xe0000, 0xe007f],
];
const hex = (cp: number) => `\\u{${cp.toString(16)}}`;
const CONTROL = new RegExp(`[${CONTROL_RANGES.map(([a, b]) => `${hex(a)}-${hex(b)}`).join("")}]`, "gu");

const LIGATURES: Readonly<Record<string, string>> = {
  "\u0132": "IJ",
  "\u0133": "ij",
  "\u0149": "\u02bcn",
  "\u01f1": "DZ",
  "\u01f2": "Dz",
  "\u01f3": "dz",
  "\u01c4": "D\u017d",
  "\u01c5": "D\u017e",
  "\u01c6": "d\u017e",
  "\u01c7": "LJ",
  "\u01c8": "Lj",
  "\u01c9": "lj",
  "\u01ca": "NJ",
  "\u01cb": "Nj",
  "\u01cc": "nj",
  "\ufb00": "ff",
  "\ufb01": "fi",
  "\ufb02": "fl",
  "\ufb03": "ffi",
  "\ufb04": "ffl",
  "\ufb05": "\u017ft",
  "\ufb06": "st",
};
const LIGATURE = new RegExp(`[${Object.keys(LIGATURES).join("")}]`, "g");
// Fullwidth and halfwidth forms (and the ideographic space) become their standard-width forms.
const WIDTH_FORM = /[\u3000\uff01-\uffef]/g;

const PLAIN_ASCII = /^[\t\n\x20-\x25\x27-\x7e]*$/;

function unescapeEntities(text: string): string {
  if (text.includes("<") || !text.includes("&")) return text;
  return text.replace(HTML_ENTITY, (entity) => {
    if (entity[1] === "#") {
      const hex = entity[2] === "x" || entity[2] === "X";
      const cp = Number.parseInt(entity.slice(hex ? 3 : 2, -1), hex ? 16 : 10);
      if (!Number.isFinite(cp) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return entity;
      return cp >= 0x80 && cp <= 0x9f ? CP1252_HIGH[cp - 0x80]! : String.fromCodePoint(cp);
    }
    return HTML5_ENTITIES[entity.slice(1)] ?? entity;
  });
}

function fixWidth(text: string): string {
  return text.replace(WIDTH_FORM, (ch) => (ch === "\u3000" ? " " : ch.normalize("NFKC")));
}

function fixOnce(text: string): string {
  text = unescapeEntities(text);
  text = text.replace(TERMINAL_ESCAPE, "");
  text = fixUtf8Mojibake(text);
  text = text.replace(C1_CONTROL, (ch) => CP1252_HIGH[ch.charCodeAt(0) - 0x80]!);
  text = text.replace(LIGATURE, (ch) => LIGATURES[ch]!);
  text = fixWidth(text);
  text = text.replace(SINGLE_QUOTE, "'").replace(DOUBLE_QUOTE, '"');
  text = text.replace(LINE_BREAK, "\n");
  text = text.replace(LONE_SURROGATE, "\ufffd");
  text = text.replace(CONTROL, "");
  return text.normalize("NFC");
}

/**
 * The parts of ftfy's `fix_text` (default settings) that change CLIP token ids, in ftfy's order,
 * repeated until nothing changes: HTML entities (only in non-HTML text), terminal escapes,
 * Latin-1/Windows-1252 mojibake, C1 controls, Latin ligatures, fullwidth/halfwidth forms, curly
 * quotes, line breaks, lone surrogates, control characters and NFC.
 */
export function fixText(text: string): string {
  // Printable ASCII without '&' passes every step unchanged; most captions are like that.
  if (PLAIN_ASCII.test(text)) return text;
  for (let round = 0; round < 8; round++) {
    const fixed = fixOnce(text);
    if (fixed === text) return fixed;
    text = fixed;
  }
  return text;
}
