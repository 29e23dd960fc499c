import { ClipkitError } from "../errors.js";

/** A `{ content, id, special }` entry of tokenizer.json's `added_tokens`. */
export interface AddedToken {
  readonly id: number;
  readonly content: string;
  /** Skipped by `decode` with `skipSpecialTokens`. */
  readonly special: boolean;
  /** Matched only with no word character (Unicode `\w`) right before or after it. */
  readonly singleWord: boolean;
  /** Swallows the whitespace before it. */
  readonly lstrip: boolean;
  /** Swallows the whitespace after it. */
  readonly rstrip: boolean;
  /** Matched in the normalized text (by its normalized form) instead of the raw text. */
  readonly normalized: boolean;
}

/** Settings from tokenizer_config.json (and tokenizer.json's own truncation/padding blocks). */
export interface TokenizerSettings {
  readonly modelMaxLength: number | undefined;
  readonly padToken: string | undefined;
  readonly bosToken: string | undefined;
  readonly eosToken: string | undefined;
  readonly unkToken: string | undefined;
  readonly padId: number | undefined;
}

/** Fails with `TOKENIZER_INVALID`, naming the field at fault. */
export function invalid(field: string, message: string): never {
  throw new ClipkitError("TOKENIZER_INVALID", `tokenizer.json ${field}: ${message}`, { details: { field } });
}

/** `value` as a plain object, or a `TOKENIZER_INVALID` naming `field`. */
export function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    invalid(field, "missing or not an object");
  return value as Record<string, unknown>;
}

/** The optional object at `field`, or `undefined` when absent or null. */
export function optionalObject(value: unknown, field: string): Record<string, unknown> | undefined {
  return value === undefined || value === null ? undefined : asObject(value, field);
}

/** Reads `added_tokens`, validating each entry. */
export function readAddedTokens(json: Record<string, unknown>): AddedToken[] {
  const raw = json.added_tokens ?? [];
  if (!Array.isArray(raw)) invalid("added_tokens", "not an array");
  return raw.map((entry, i) => {
    const token = asObject(entry, `added_tokens[${i}]`);
    if (typeof token.content !== "string") invalid(`added_tokens[${i}].content`, "not a string");
    if (!Number.isInteger(token.id) || (token.id as number) < 0)
      invalid(`added_tokens[${i}].id`, "not an id");
    const special = token.special !== false;
    return {
      id: token.id as number,
      content: token.content,
      special,
      singleWord: token.single_word === true,
      lstrip: token.lstrip === true,
      rstrip: token.rstrip === true,
      // tokenizers' default: special tokens are matched raw, others after normalization.
      normalized: typeof token.normalized === "boolean" ? token.normalized : !special,
    };
  });
}

function tokenName(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { content?: unknown }).content === "string"
  ) {
    return (value as { content: string }).content;
  }
  return undefined;
}

// transformers writes int(1e30) when a checkpoint sets no limit; such values are not a real length.
const NO_LIMIT = 1e9;

/** Merges tokenizer_config.json with tokenizer.json's `truncation` and `padding` blocks. */
export function readSettings(json: Record<string, unknown>, config: unknown): TokenizerSettings {
  const cfg = optionalObject(config, "(tokenizer_config.json)") ?? {};
  const truncation = optionalObject(json.truncation, "truncation");
  const padding = optionalObject(json.padding, "padding");
  // padding.strategy is the string "BatchLongest" or `{ "Fixed": n }`.
  const strategy = padding?.strategy;
  const fixed =
    typeof strategy === "object" && strategy !== null ? (strategy as { Fixed?: unknown }).Fixed : undefined;
  const candidates = [cfg.model_max_length, truncation?.max_length, fixed];
  let modelMaxLength: number | undefined;
  for (const c of candidates) {
    if (typeof c === "number" && Number.isInteger(c) && c > 0 && c < NO_LIMIT) {
      modelMaxLength = c;
      break;
    }
  }
  return {
    modelMaxLength,
    padToken:
      tokenName(cfg.pad_token) ?? (typeof padding?.pad_token === "string" ? padding.pad_token : undefined),
    bosToken: tokenName(cfg.bos_token),
    eosToken: tokenName(cfg.eos_token),
    unkToken: tokenName(cfg.unk_token),
    padId: typeof padding?.pad_id === "number" ? padding.pad_id : undefined,
  };
}

/** Parses JSON text, failing with `TOKENIZER_INVALID` naming the file. */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ClipkitError("TOKENIZER_INVALID", `${file} is not valid JSON`, { cause, details: { file } });
  }
}

/** Reads `model.vocab` (token → id) of a tokenizer.json. */
export function readVocab(model: Record<string, unknown>): Map<string, number> {
  const raw = asObject(model.vocab, "model.vocab");
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(raw)) {
    if (!Number.isInteger(id) || (id as number) < 0)
      invalid(`model.vocab[${JSON.stringify(token)}]`, "not an id");
    vocab.set(token, id as number);
  }
  if (vocab.size === 0) invalid("model.vocab", "is empty");
  return vocab;
}

/** Reads `model.merges`, written either as `"left right"` strings or `[left, right]` pairs. */
export function readMerges(model: Record<string, unknown>): Array<[string, string]> {
  if (!Array.isArray(model.merges)) invalid("model.merges", "missing or not an array");
  return model.merges.map((merge, i): [string, string] => {
    if (typeof merge === "string") {
      const space = merge.indexOf(" ", 1);
      if (space > 0) return [merge.slice(0, space), merge.slice(space + 1)];
    } else if (
      Array.isArray(merge) &&
      merge.length === 2 &&
      typeof merge[0] === "string" &&
      typeof merge[1] === "string"
    ) {
      return [merge[0], merge[1]];
    }
    return invalid(
      `model.merges[${i}]`,
      `expected "left right" or [left, right], got ${JSON.stringify(merge)}`,
    );
  });
}

/**
 * A `Metaspace` node's settings, shared by the pre-tokenizer and the decoder of that name:
 * the replacement character (default `▁`) and the prepend scheme (`"always"`, `"first"`,
 * `"never"`). Older files say `add_prefix_space: true/false` instead of `prepend_scheme`.
 */
export function readMetaspace(node: Record<string, unknown>): { replacement: string; scheme: string } {
  const replacement = typeof node.replacement === "string" ? node.replacement : "\u2581";
  const scheme =
    typeof node.prepend_scheme === "string"
      ? node.prepend_scheme
      : node.add_prefix_space === false
        ? "never"
        : "always";
  return { replacement, scheme };
}
