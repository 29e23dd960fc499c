import type { Normalizer } from "./normalizers.js";
import type { AddedToken } from "./tokenizer-json.js";

/** A stretch of text between added tokens, or one added token (`id` set). */
export interface Segment {
  readonly text: string;
  readonly id?: number;
  /** The segment starts at offset 0 of the original text. */
  readonly atStart: boolean;
}

// Rust regex `\w` (Unicode): Alphabetic, M, Nd, Pc, Join_Control.
const ENDS_WITH_WORD = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]$/u;
const STARTS_WITH_WORD = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;
const TRAILING_SPACE = /\p{White_Space}*$/u;
const LEADING_SPACE = /^\p{White_Space}*/u;

interface Matcher {
  readonly pattern: RegExp;
  readonly byText: ReadonlyMap<string, AddedToken>;
}

function matcher(entries: ReadonlyArray<readonly [string, AddedToken]>): Matcher | undefined {
  const byText = new Map<string, AddedToken>();
  for (const [text, token] of entries) if (text.length > 0) byText.set(text, token);
  if (byText.size === 0) return undefined;
  // Longest first: JavaScript alternation is leftmost-first, tokenizers' trie leftmost-longest.
  const alternatives = [...byText.keys()]
    .sort((a, b) => b.length - a.length)
    .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return { pattern: new RegExp(alternatives.join("|"), "gu"), byText };
}

/** tokenizers' `AddedVocabulary::find_matches`: splits `text` around the added tokens in it. */
function findMatches(text: string, m: Matcher, atStart: boolean): Segment[] {
  const out: Segment[] = [];
  let offset = 0;
  const pattern = new RegExp(m.pattern);
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const token = m.byText.get(match[0])!;
    let start = match.index;
    let stop = start + match[0].length;
    if (token.singleWord) {
      const startSpace = start === 0 || !ENDS_WITH_WORD.test(text.slice(0, start));
      const stopSpace = stop === text.length || !STARTS_WITH_WORD.test(text.slice(stop));
      if (!startSpace || !stopSpace) continue;
    }
    if (token.lstrip) start = Math.max(TRAILING_SPACE.exec(text.slice(0, start))!.index, offset);
    if (token.rstrip) stop += LEADING_SPACE.exec(text.slice(stop))![0].length;
    if (offset < start) out.push({ text: text.slice(offset, start), atStart: atStart && offset === 0 });
    out.push({ text: text.slice(start, stop), id: token.id, atStart: atStart && start === 0 });
    offset = stop;
  }
  if (offset < text.length) out.push({ text: text.slice(offset), atStart: atStart && offset === 0 });
  return out;
}

/**
 * The added tokens of a tokenizer.json, extracted as tokenizers' `extract_and_normalize` does:
 * tokens with `normalized: false` (typically the special ones) are found in the raw text first;
 * the text between them is normalized, then searched for the `normalized: true` tokens (by their
 * normalized form). Empty segments are dropped.
 */
export class AddedVocabulary {
  readonly #raw: Matcher | undefined;
  readonly #normalizedTokens: Matcher | undefined;
  readonly #normalize: Normalizer;

  constructor(tokens: readonly AddedToken[], normalize: Normalizer) {
    this.#normalize = normalize;
    this.#raw = matcher(tokens.filter((t) => !t.normalized).map((t) => [t.content, t] as const));
    this.#normalizedTokens = matcher(
      tokens.filter((t) => t.normalized).map((t) => [normalize(t.content), t] as const),
    );
  }

  /** Splits and normalizes `text`: added tokens carry their id, other segments are normalized. */
  split(text: string): Segment[] {
    const raw = this.#raw ? findMatches(text, this.#raw, true) : [{ text, atStart: true }];
    const out: Segment[] = [];
    for (const segment of raw) {
      if (segment.id !== undefined) {
        out.push(segment);
        continue;
      }
      const normalized = this.#normalize(segment.text);
      if (normalized.length === 0) continue;
      if (this.#normalizedTokens)
        out.push(...findMatches(normalized, this.#normalizedTokens, segment.atStart));
      else out.push({ text: normalized, atStart: segment.atStart });
    }
    return out;
  }
}
