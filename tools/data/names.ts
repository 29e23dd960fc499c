/**
 * Concept names: Iconify kebab-case icon names turned into one shared vocabulary across styles,
 * the deterministic unseen-concept split, and captions.
 */

/** Fluent names its skin tones `<base>-light` … `<base>-dark`; the others say `skin-tone`. */
const TONE_SUFFIXES = ["-medium-light", "-medium-dark", "-light", "-medium", "-dark"] as const;

/**
 * True for skin-tone variants, dropped to keep the dataset lean: they differ from the default
 * yellow emoji only in colour and would triple the person/hand concepts.
 */
export function isSkinToneVariant(name: string, siblings: ReadonlySet<string>): boolean {
  if (name.includes("skin-tone")) return true;
  for (const suffix of TONE_SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    // Only a family of five tone siblings marks a tone variant ("traffic-light" is no tone).
    if (siblings.has(`${base}-medium-dark`) && siblings.has(`${base}-medium-light`)) return true;
  }
  return false;
}

/** Emojione spells flags `flag-for-france`; twemoji, openmoji and noto `flag-france`. */
export function canonicalName(name: string): string {
  return name.startsWith("flag-for-") ? `flag-${name.slice("flag-for-".length)}` : name;
}

/**
 * fxemoji names drop the dashes (`alarmclock`). They join the shared vocabulary only when exactly
 * that string is a dash-less spelling of a name from the other sets; the rest are dropped.
 */
export function buildDashlessIndex(names: Iterable<string>): Map<string, string> {
  const index = new Map<string, string>();
  for (const n of names) index.set(n.replaceAll("-", ""), n);
  return index;
}

/** 32-bit FNV-1a of the UTF-8 bytes: a stable hash the Python side can recompute. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The deterministic 10 % of concepts that no style ever trains on. */
export function isUnseenConcept(name: string): boolean {
  return fnv1a(name) % 10 === 0;
}

/** The caption of a concept: the name with spaces, as the issue defines it. */
export function caption(name: string): string {
  return name.replaceAll("-", " ");
}
