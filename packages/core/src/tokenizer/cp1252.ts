/**
 * Windows-1252 bytes 0x80–0x9F as characters, "sloppy" like ftfy: the five bytes Windows-1252
 * leaves undefined decode to the C1 control with the same number instead of failing.
 */
export const CP1252_HIGH: readonly string[] = [
  "\u20ac",
  "\x81",
  "\u201a",
  "\u0192",
  "\u201e",
  "\u2026",
  "\u2020",
  "\u2021",
  "\u02c6",
  "\u2030",
  "\u0160",
  "\u2039",
  "\u0152",
  "\x8d",
  "\u017d",
  "\x8f",
  "\x90",
  "\u2018",
  "\u2019",
  "\u201c",
  "\u201d",
  "\u2022",
  "\u2013",
  "\u2014",
  "\u02dc",
  "\u2122",
  "\u0161",
  "\u203a",
  "\u0153",
  "\x9d",
  "\u017e",
  "\u0178",
];

/**
 * Character → byte for text that may have been decoded with Latin-1 or sloppy Windows-1252:
 * U+0000–U+00FF map to themselves and the Windows-1252 punctuation maps to 0x80–0x9F.
 * Characters outside both encodings are absent.
 */
export const SINGLE_BYTE_OF: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  for (let b = 0; b < 0x100; b++) map.set(String.fromCharCode(b), b);
  CP1252_HIGH.forEach((ch, i) => {
    map.set(ch, 0x80 + i);
  });
  return map;
})();
