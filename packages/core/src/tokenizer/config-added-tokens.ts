import type { AddedToken } from "./tokenizer-json.js";

// transformers' PreTrainedTokenizerBase.SPECIAL_TOKENS_ATTRIBUTES, in its order (new ids follow it).
const NAMED_TOKENS = [
  "bos_token",
  "eos_token",
  "unk_token",
  "sep_token",
  "pad_token",
  "cls_token",
  "mask_token",
] as const;

type Flags = Omit<AddedToken, "id">;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A config entry (string or serialized `AddedToken` dict) as transformers' `AddedToken`. */
function fromConfig(value: unknown, special: boolean): Flags | undefined {
  if (typeof value === "string") {
    // A plain string becomes AddedToken(content, special=True): normalized defaults to !special.
    return value === ""
      ? undefined
      : { content: value, special, singleWord: false, lstrip: false, rstrip: false, normalized: !special };
  }
  if (!isRecord(value) || typeof value.content !== "string" || value.content === "") return undefined;
  const isSpecial = typeof value.special === "boolean" ? value.special : special;
  return {
    content: value.content,
    special: isSpecial,
    singleWord: value.single_word === true,
    lstrip: value.lstrip === true,
    rstrip: value.rstrip === true,
    normalized: typeof value.normalized === "boolean" ? value.normalized : !isSpecial,
  };
}

function sameFlags(a: Flags, b: Flags): boolean {
  return (
    a.content === b.content &&
    a.special === b.special &&
    a.singleWord === b.singleWord &&
    a.lstrip === b.lstrip &&
    a.rstrip === b.rstrip &&
    a.normalized === b.normalized
  );
}

/** `extra_special_tokens` / `additional_special_tokens` (list or dict) and model-specific `*_token` keys. */
function extraTokens(config: Record<string, unknown>): Flags[] {
  const out: Flags[] = [];
  const extras = config.extra_special_tokens ?? config.additional_special_tokens;
  const named = new Set<string>(NAMED_TOKENS);
  for (const [key, value] of Object.entries(config))
    if (!named.has(key) && key.endsWith("_token") && typeof value === "string") {
      const token = fromConfig(value, true);
      if (token) out.push(token);
    }
  const list = Array.isArray(extras) ? extras : isRecord(extras) ? Object.values(extras) : [];
  for (const value of list) {
    const token = fromConfig(value, true);
    if (token) out.push(token);
  }
  return out;
}

/**
 * The added tokens transformers' fast tokenizer (5.x `TokenizersBackend.from_pretrained`) ends up
 * with for a folder: tokenizer.json's `added_tokens`, plus what `tokenizer_config.json` names.
 * - bos/eos/unk/sep/pad/cls/mask tokens: one already in `added_tokens` is left as it is (even
 *   when not special); any other becomes a special token matched on the raw text
 *   (`normalized: false`), or with the flags of its serialized `AddedToken` dict.
 * - `extra_special_tokens` / `additional_special_tokens` (list or dict) and model-specific
 *   `*_token` keys: one already in `added_tokens` is left as it is; any other is added like the
 *   named ones, a dict keeping its own `special` flag.
 * - `added_tokens_decoder` entries (rare in 5.x-saved folders) replace the flags of their content
 *   first, their own ids ignored.
 * A token added this way keeps its id when its content is in the model's vocabulary, else gets
 * the next id after the vocabulary (tokenizers' `AddedVocabulary::add_tokens`), in that order.
 */
export function mergeConfigAddedTokens(
  fileTokens: readonly AddedToken[],
  config: unknown,
  modelVocab: ReadonlyMap<string, number>,
  modelVocabSize: number,
): AddedToken[] {
  if (!isRecord(config)) return [...fileTokens];
  const byContent = new Map<string, AddedToken>();
  for (const token of fileTokens) byContent.set(token.content, token);
  let nextId = Math.max(modelVocabSize, ...fileTokens.map((t) => t.id + 1));
  const put = (token: Flags): void => {
    const id = byContent.get(token.content)?.id ?? modelVocab.get(token.content) ?? nextId++;
    byContent.set(token.content, { ...token, id });
  };

  const decoder = new Map<string, Flags>();
  if (isRecord(config.added_tokens_decoder)) {
    const entries = Object.entries(config.added_tokens_decoder).sort((a, b) => Number(a[0]) - Number(b[0]));
    for (const [, value] of entries) {
      const token = fromConfig(value, false);
      if (token) decoder.set(token.content, token);
    }
  }
  for (const token of decoder.values()) {
    const existing = byContent.get(token.content);
    if (existing === undefined || !sameFlags(existing, token)) put(token);
  }
  for (const key of NAMED_TOKENS) {
    const token = fromConfig(config[key], true);
    if (token === undefined) continue;
    // from_pretrained swaps a named token for the config's added_tokens_decoder entry of the same
    // content when the config has that block, else for tokenizer.json's added token.
    // Such a token is not re-added with other flags (the Rust added vocabulary keeps its own).
    const mapped = decoder.size > 0 ? decoder.get(token.content) : byContent.get(token.content);
    if (mapped === undefined) put({ ...token, special: true });
  }
  for (const token of extraTokens(config)) if (!byContent.has(token.content)) put(token);
  return [...byContent.values()].sort((a, b) => a.id - b.id);
}
