import { bytesToUnicode } from "./bytes-to-unicode.js";
import { readPattern } from "./regex.js";
import { asObject, invalid, readMetaspace } from "./tokenizer-json.js";
import { NUMERIC, PUNCTUATION, WHITESPACE } from "./unicode.js";

/**
 * A piece of text being pre-tokenized. `atStart` is true while the piece begins at offset 0 of the
 * original text (Metaspace's `prepend_scheme: "first"` prepends only there).
 */
export interface Piece {
  readonly text: string;
  readonly atStart: boolean;
}

/** Splits pieces further (one pre-tokenizer of a tokenizer.json `pre_tokenizer` block). */
export type PreTokenizer = (piece: Piece) => Piece[];

/** tokenizers' `SplitDelimiterBehavior`. */
type Behavior = "Removed" | "Isolated" | "MergedWithPrevious" | "MergedWithNext" | "Contiguous";
const BEHAVIORS: readonly Behavior[] = [
  "Removed",
  "Isolated",
  "MergedWithPrevious",
  "MergedWithNext",
  "Contiguous",
];

/** [start, end, isMatch] spans covering the text, as tokenizers' `Pattern::find_matches`. */
type Span = [number, number, boolean];

function regexSpans(text: string, pattern: RegExp): Span[] {
  const spans: Span[] = [];
  let prev = 0;
  for (const m of text.matchAll(pattern)) {
    const start = m.index;
    const end = start + m[0].length;
    if (prev !== start) spans.push([prev, start, false]);
    spans.push([start, end, true]);
    prev = end;
  }
  if (prev !== text.length) spans.push([prev, text.length, false]);
  return spans;
}

// Each matching character is its own match (tokenizers' `Fn(char) -> bool` patterns).
function charSpans(text: string, test: RegExp): Span[] {
  const spans: Span[] = [];
  let last = 0;
  let i = 0;
  for (const ch of text) {
    const end = i + ch.length;
    if (test.test(ch)) {
      if (last < i) spans.push([last, i, false]);
      spans.push([i, end, true]);
      last = end;
    }
    i = end;
  }
  if (i > last) spans.push([last, i, false]);
  return spans;
}

/** tokenizers' `NormalizedString::split`: applies the behaviour, drops empty pieces. */
export function splitSpans(piece: Piece, spans: Span[], behavior: Behavior, invert = false): Piece[] {
  const marked: Span[] = invert ? spans.map(([s, e, m]) => [s, e, !m]) : spans;
  let kept: Array<[number, number]> = [];
  if (behavior === "Removed") kept = marked.filter((s) => !s[2]).map(([s, e]) => [s, e]);
  else if (behavior === "Isolated") kept = marked.map(([s, e]) => [s, e]);
  else if (behavior === "MergedWithPrevious" || behavior === "Contiguous") {
    let previous = false;
    for (const [s, e, m] of marked) {
      const merge = behavior === "Contiguous" ? m === previous : m && !previous;
      if (merge && kept.length > 0) kept[kept.length - 1]![1] = e;
      else kept.push([s, e]);
      previous = m;
    }
  } else {
    let previous = false;
    for (let i = marked.length - 1; i >= 0; i--) {
      const [s, e, m] = marked[i]!;
      if (m && !previous && kept.length > 0) kept[kept.length - 1]![0] = s;
      else kept.push([s, e]);
      previous = m;
    }
    kept.reverse();
  }
  return kept
    .filter(([s, e]) => e > s)
    .map(([s, e]) => ({ text: piece.text.slice(s, e), atStart: piece.atStart && s === 0 }));
}

function behaviorOf(value: unknown, field: string, fallback: Behavior): Behavior {
  const behavior = value ?? fallback;
  if (!BEHAVIORS.includes(behavior as Behavior))
    invalid(field, `unsupported split behaviour ${JSON.stringify(behavior)}`);
  return behavior as Behavior;
}

function metaspace(node: Record<string, unknown>): PreTokenizer {
  const { replacement, scheme } = readMetaspace(node);
  const split = node.split !== false;
  const isReplacement = new RegExp(replacement.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "u");
  return (piece) => {
    let text = piece.text.replaceAll(" ", replacement);
    const prepend = scheme === "always" || (scheme === "first" && piece.atStart);
    if (prepend && !text.startsWith(replacement)) text = replacement + text;
    const out = { text, atStart: piece.atStart };
    return split ? splitSpans(out, charSpans(text, isReplacement), "MergedWithNext") : [out];
  };
}

// GPT-2's split (tokenizers' ByteLevel `use_regex`), Oniguruma `\s` = White_Space.
const GPT2_SPLIT =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;
// Rust regex `\w+|[^\w\s]+` (Unicode \w: Alphabetic, M, Nd, Pc, Join_Control).
const WORD_CHARS = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}";
const WHITESPACE_PRE = new RegExp(`[${WORD_CHARS}]+|[^${WORD_CHARS}\\p{White_Space}]+`, "gu");

// A piece the GPT-2 split returns whole: one run of letters, digits or other non-space symbols.
const ONE_GPT2_PIECE = /^(?:\p{L}+|\p{N}+|[^\p{White_Space}\p{L}\p{N}']+)$/u;

function byteLevel(node: Record<string, unknown>): PreTokenizer {
  const addPrefixSpace = node.add_prefix_space === true;
  const useRegex = node.use_regex !== false;
  return (piece) => {
    const text = addPrefixSpace && !piece.text.startsWith(" ") ? ` ${piece.text}` : piece.text;
    const start = { text, atStart: piece.atStart };
    const whole = !useRegex || ONE_GPT2_PIECE.test(text);
    const pieces = whole ? [start] : splitSpans(start, regexSpans(text, GPT2_SPLIT), "Isolated");
    return pieces.map((p) => ({ text: bytesToUnicode(p.text), atStart: p.atStart }));
  };
}

/**
 * Interprets a tokenizer.json `pre_tokenizer` block as tokenizers does: Sequence, ByteLevel
 * (`add_prefix_space`, `use_regex`; maps bytes to GPT-2's printable characters), Metaspace
 * (`prepend_scheme` always/first/never or the older `add_prefix_space`, `split`), Whitespace,
 * WhitespaceSplit, BertPreTokenizer, Punctuation, Digits, CharDelimiterSplit and Split (every
 * behaviour, `invert`).
 */
export function createPreTokenizer(spec: unknown, field = "pre_tokenizer"): PreTokenizer {
  if (spec === null || spec === undefined) return (piece) => [piece];
  const node = asObject(spec, field);
  switch (node.type) {
    case "Sequence": {
      if (!Array.isArray(node.pretokenizers)) invalid(`${field}.pretokenizers`, "not an array");
      const steps = node.pretokenizers.map((s, i) => createPreTokenizer(s, `${field}.pretokenizers[${i}]`));
      return (piece) => steps.reduce<Piece[]>((pieces, step) => pieces.flatMap(step), [piece]);
    }
    case "ByteLevel":
      return byteLevel(node);
    case "Metaspace":
      return metaspace(node);
    case "WhitespaceSplit":
      return (piece) => splitSpans(piece, charSpans(piece.text, WHITESPACE), "Removed");
    case "Whitespace":
      return (piece) => splitSpans(piece, regexSpans(piece.text, WHITESPACE_PRE), "Removed", true);
    case "BertPreTokenizer":
      return (piece) =>
        splitSpans(piece, charSpans(piece.text, WHITESPACE), "Removed").flatMap((p) =>
          splitSpans(p, charSpans(p.text, PUNCTUATION), "Isolated"),
        );
    case "Punctuation": {
      const behavior = behaviorOf(node.behavior, `${field}.behavior`, "Isolated");
      return (piece) => splitSpans(piece, charSpans(piece.text, PUNCTUATION), behavior);
    }
    case "Digits": {
      const behavior = node.individual_digits === true ? "Isolated" : "Contiguous";
      return (piece) => splitSpans(piece, charSpans(piece.text, NUMERIC), behavior);
    }
    case "CharDelimiterSplit": {
      if (typeof node.delimiter !== "string") invalid(`${field}.delimiter`, "not a string");
      const delimiter = new RegExp(node.delimiter.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "u");
      return (piece) => splitSpans(piece, charSpans(piece.text, delimiter), "Removed");
    }
    case "Split": {
      const pattern = readPattern(node.pattern, `${field}.pattern`);
      const behavior = behaviorOf(node.behavior, `${field}.behavior`, "Removed");
      const invert = node.invert === true;
      // Fast path (CLIP's split): keep just the matches, no span bookkeeping.
      if (invert && behavior === "Removed") {
        return (piece) => {
          const out: Piece[] = [];
          for (const m of piece.text.matchAll(pattern))
            if (m[0].length > 0) out.push({ text: m[0], atStart: piece.atStart && m.index === 0 });
          return out;
        };
      }
      return (piece) => splitSpans(piece, regexSpans(piece.text, pattern), behavior, invert);
    }
    default:
      return invalid(`${field}.type`, `unsupported pre-tokenizer ${JSON.stringify(node.type)}`);
  }
}

/**
 * The pre-tokenizer as two stages: the first step of a Sequence, and the rest (undefined when
 * there is none). Every step maps one piece independently, so callers can cache the rest and the
 * model per first-stage piece (CLIP's Split → ByteLevel then runs ByteLevel once per new word).
 */
export function createPreTokenizerStages(spec: unknown): { first: PreTokenizer; rest?: PreTokenizer } {
  const node = spec as { type?: unknown; pretokenizers?: unknown } | null | undefined;
  if (node?.type !== "Sequence" || !Array.isArray(node.pretokenizers) || node.pretokenizers.length < 2)
    return { first: createPreTokenizer(spec) };
  const [head, ...tail] = node.pretokenizers;
  return {
    first: createPreTokenizer(head, "pre_tokenizer.pretokenizers[0]"),
    rest:
      tail.length === 1
        ? createPreTokenizer(tail[0], "pre_tokenizer.pretokenizers[1]")
        : createPreTokenizer({ type: "Sequence", pretokenizers: tail }),
  };
}
