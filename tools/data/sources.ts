/**
 * Loads the pinned Iconify sets and resolves them into one concept vocabulary: which style has an
 * image for which concept, after dropping skin tones and unmatched fxemoji names.
 */
import { createRequire } from "node:module";
import { buildDashlessIndex, canonicalName, isSkinToneVariant, isUnseenConcept } from "./names.js";
import type { IconSet } from "./render.js";
import { type EmojiStyle, STYLES } from "./styles.js";

const require = createRequire(import.meta.url);

interface IconifyInfo {
  readonly license: { readonly spdx: string };
  readonly author: { readonly name: string };
}

/** One rendered-to-be image: a style's icon standing for a concept. */
export interface EmojiItem {
  readonly style: EmojiStyle;
  /** The icon's own name inside its set. */
  readonly icon: string;
  /** The shared concept name (kebab-case). */
  readonly concept: string;
}

export interface EmojiSources {
  readonly sets: ReadonlyMap<string, IconSet>;
  /** Versions of the `@iconify-json/*` packages actually loaded. */
  readonly versions: ReadonlyMap<string, string>;
  /** Concepts that at least one training style draws, sorted; unseen ones included. */
  readonly concepts: readonly string[];
  readonly items: readonly EmojiItem[];
}

function loadSet(style: EmojiStyle): { set: IconSet; version: string } {
  const set = require(`@iconify-json/${style.prefix}/icons.json`) as IconSet;
  const info = require(`@iconify-json/${style.prefix}/info.json`) as IconifyInfo;
  const pkg = require(`@iconify-json/${style.prefix}/package.json`) as { version: string };
  // A licence change upstream must stop the build, not silently change what we redistribute.
  if (info.license.spdx !== style.license) {
    throw new Error(`${style.prefix}: licence is ${info.license.spdx}, expected ${style.license}`);
  }
  return { set, version: pkg.version };
}

/** Loads every style and maps its icons onto concepts. Deterministic: same packages, same output. */
export function loadSources(): EmojiSources {
  const sets = new Map<string, IconSet>();
  const versions = new Map<string, string>();
  for (const style of STYLES) {
    const { set, version } = loadSet(style);
    sets.set(style.prefix, set);
    versions.set(style.prefix, version);
  }
  const conceptsOf = new Map<string, Map<string, string>>(); // prefix → icon → concept
  const kebab = new Set<string>();
  for (const style of STYLES) {
    if (style.prefix === "fxemoji") continue;
    const names = new Set(Object.keys(sets.get(style.prefix)!.icons));
    const map = new Map<string, string>();
    const taken = new Set<string>();
    for (const icon of names) {
      if (isSkinToneVariant(icon, names)) continue;
      const concept = canonicalName(icon);
      if (taken.has(concept)) continue;
      taken.add(concept);
      map.set(icon, concept);
      if (style.role === "train") kebab.add(concept);
    }
    conceptsOf.set(style.prefix, map);
  }
  const dashless = buildDashlessIndex(kebab);
  const fx = new Map<string, string>();
  for (const icon of Object.keys(sets.get("fxemoji")!.icons)) {
    const concept = dashless.get(icon);
    if (concept) fx.set(icon, concept);
  }
  conceptsOf.set("fxemoji", fx);

  const concepts = [...kebab].sort();
  const items: EmojiItem[] = [];
  for (const style of STYLES) {
    const seen = new Set<string>();
    for (const [icon, concept] of conceptsOf.get(style.prefix)!) {
      if (!kebab.has(concept) || seen.has(concept)) continue;
      // Unseen concepts are never trained on in any style; they still appear in val/test.
      if (style.role === "train" && isUnseenConcept(concept)) continue;
      seen.add(concept);
      items.push({ style, icon, concept });
    }
  }
  return { sets, versions, concepts, items };
}
