import type { SpecialIds } from "./encoding.js";
import { asObject, invalid } from "./tokenizer-json.js";

function pairId(value: unknown, field: string): number {
  if (Array.isArray(value) && typeof value[0] === "string" && Number.isInteger(value[1]))
    return value[1] as number;
  return invalid(field, "expected [token, id]");
}

function templateIds(node: Record<string, unknown>, field: string): SpecialIds {
  if (!Array.isArray(node.single)) invalid(`${field}.single`, "not an array");
  const specials = asObject(node.special_tokens ?? {}, `${field}.special_tokens`);
  const prefix: number[] = [];
  const suffix: number[] = [];
  let seenSequence = false;
  node.single.forEach((item, i) => {
    const entry = asObject(item, `${field}.single[${i}]`);
    if (entry.Sequence !== undefined) {
      seenSequence = true;
      return;
    }
    const name = asObject(entry.SpecialToken, `${field}.single[${i}].SpecialToken`).id;
    const special = typeof name === "string" ? specials[name] : undefined;
    const ids = (special as { ids?: unknown } | undefined)?.ids;
    if (!Array.isArray(ids) || !ids.every(Number.isInteger)) {
      invalid(`${field}.special_tokens`, `no ids for ${JSON.stringify(name)}`);
    }
    (seenSequence ? suffix : prefix).push(...(ids as number[]));
  });
  return { prefix, suffix };
}

/**
 * The special ids a tokenizer.json `post_processor` wraps around a single text: TemplateProcessing
 * (its `single` template), RobertaProcessing / BertProcessing (`cls` … `sep`), ByteLevel (no ids),
 * Sequence of those, or none.
 */
export function readPostProcessor(spec: unknown, field = "post_processor"): SpecialIds {
  if (spec === null || spec === undefined) return { prefix: [], suffix: [] };
  const node = asObject(spec, field);
  switch (node.type) {
    case "TemplateProcessing":
      return templateIds(node, field);
    case "RobertaProcessing":
    case "BertProcessing":
      return { prefix: [pairId(node.cls, `${field}.cls`)], suffix: [pairId(node.sep, `${field}.sep`)] };
    case "ByteLevel":
      // Only trims offsets; adds no ids.
      return { prefix: [], suffix: [] };
    case "Sequence": {
      if (!Array.isArray(node.processors)) invalid(`${field}.processors`, "not an array");
      const parts = node.processors.map((p, i) => readPostProcessor(p, `${field}.processors[${i}]`));
      return { prefix: parts.flatMap((x) => x.prefix), suffix: parts.flatMap((x) => x.suffix) };
    }
    default:
      return invalid(`${field}.type`, `unsupported post-processor ${JSON.stringify(node.type)}`);
  }
}
