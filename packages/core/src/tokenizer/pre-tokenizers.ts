import { readPattern } from "./normalizers.js";
import { asObject, invalid } from "./tokenizer-json.js";

/** Splits normalized text into the words the model segments independently. */
export type PreTokenizer = (text: string) => string[];

function metaspace(node: Record<string, unknown>): PreTokenizer {
  const replacement = typeof node.replacement === "string" ? node.replacement : "\u2581";
  // Older files say add_prefix_space: true/false instead of prepend_scheme.
  const scheme =
    typeof node.prepend_scheme === "string"
      ? node.prepend_scheme
      : node.add_prefix_space === false
        ? "never"
        : "always";
  const split = node.split !== false;
  return (text) => {
    let replaced = text.replaceAll(" ", replacement);
    if (scheme !== "never" && replaced.length > 0 && !replaced.startsWith(replacement))
      replaced = replacement + replaced;
    if (!split) return replaced.length > 0 ? [replaced] : [];
    // Each word keeps its leading replacement character, like tokenizers' MergedWithNext.
    const words: string[] = [];
    let start = 0;
    for (let i = replacement.length; i <= replaced.length; i++) {
      if (i === replaced.length || replaced.startsWith(replacement, i)) {
        if (i > start) words.push(replaced.slice(start, i));
        start = i;
      }
    }
    return words;
  };
}

function split(node: Record<string, unknown>, field: string): PreTokenizer {
  const pattern = readPattern(node.pattern, `${field}.pattern`);
  const behavior = node.behavior ?? "Removed";
  if (!["Removed", "Isolated", "MergedWithPrevious"].includes(behavior as string)) {
    invalid(`${field}.behavior`, `unsupported split behaviour ${JSON.stringify(behavior)}`);
  }
  return (text) => {
    const pieces: string[] = [];
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      const gap = text.slice(last, match.index);
      if (node.invert === true) {
        if (match[0]) pieces.push(match[0]);
      } else {
        if (gap) pieces.push(gap);
        if (behavior === "Isolated" && match[0]) pieces.push(match[0]);
        else if (behavior === "MergedWithPrevious" && match[0]) {
          if (pieces.length > 0 && gap) pieces[pieces.length - 1] += match[0];
          else pieces.push(match[0]);
        }
      }
      last = match.index + match[0].length;
    }
    if (node.invert !== true && last < text.length) pieces.push(text.slice(last));
    return pieces;
  };
}

/**
 * Interprets a tokenizer.json `pre_tokenizer` block for Unigram models. Supported: Sequence,
 * Metaspace, WhitespaceSplit, Whitespace, Split (Removed, Isolated, MergedWithPrevious, invert).
 */
export function createPreTokenizer(spec: unknown, field = "pre_tokenizer"): PreTokenizer {
  if (spec === null || spec === undefined) return (text) => (text.length > 0 ? [text] : []);
  const node = asObject(spec, field);
  switch (node.type) {
    case "Sequence": {
      if (!Array.isArray(node.pretokenizers)) invalid(`${field}.pretokenizers`, "not an array");
      const steps = node.pretokenizers.map((s, i) => createPreTokenizer(s, `${field}.pretokenizers[${i}]`));
      return (text) => steps.reduce<string[]>((words, step) => words.flatMap(step), [text]);
    }
    case "Metaspace":
      return metaspace(node);
    case "WhitespaceSplit":
      return (text) => text.split(/\s+/u).filter((w) => w.length > 0);
    case "Whitespace":
      return (text) => text.match(/\w+|[^\w\s]+/gu) ?? [];
    case "Split":
      return split(node, field);
    default:
      return invalid(
        `${field}.type`,
        `unsupported pre-tokenizer ${JSON.stringify(node.type)} for Unigram models`,
      );
  }
}
