import { ClipkitError } from "../errors.js";
import type { GenerationOptions, ResolvedGenerationOptions } from "./types.js";

/** The fields of a Hugging Face `generation_config.json` (or `config.json`) clipkit reads. */
export interface GenerationDefaults {
  eosTokenIds: readonly number[];
  padTokenId?: number;
  maxNewTokens?: number;
  /** HF `max_length`: prompt plus new tokens (used when `maxNewTokens` is not set). */
  maxLength?: number;
  numBeams?: number;
  /** Any other snake_case field, e.g. `length_penalty`, `no_repeat_ngram_size`. */
  extra?: GenerationOptions;
}

function ids(value: unknown): number[] {
  if (Number.isInteger(value)) return [value as number];
  if (Array.isArray(value) && value.every((v) => Number.isInteger(v))) return value as number[];
  return [];
}

/**
 * Reads generation defaults from parsed `generation_config.json` / `config.json` objects (first
 * one defining a field wins). `max_length` counts the prompt, as in HF; `max_new_tokens` does not.
 */
export function parseGenerationDefaults(...configs: readonly unknown[]): GenerationDefaults {
  const pick = (key: string): unknown => {
    for (const c of configs) {
      if (typeof c === "object" && c !== null && (c as Record<string, unknown>)[key] !== undefined) {
        return (c as Record<string, unknown>)[key];
      }
    }
    return undefined;
  };
  const num = (key: string): number | undefined => {
    const v = pick(key);
    return typeof v === "number" && Number.isFinite(v) ? v : undefined;
  };
  const pad = pick("pad_token_id");
  const extra: GenerationOptions = {};
  if (num("length_penalty") !== undefined) extra.lengthPenalty = num("length_penalty");
  if (num("no_repeat_ngram_size") !== undefined) extra.noRepeatNgramSize = num("no_repeat_ngram_size");
  if (num("repetition_penalty") !== undefined) extra.repetitionPenalty = num("repetition_penalty");
  const es = pick("early_stopping");
  if (typeof es === "boolean" || es === "never") extra.earlyStopping = es;
  return {
    eosTokenIds: ids(pick("eos_token_id")),
    padTokenId: Number.isInteger(pad) ? (pad as number) : undefined,
    maxNewTokens: num("max_new_tokens"),
    maxLength: num("max_length"),
    numBeams: num("num_beams"),
    extra,
  };
}

function check(ok: boolean, name: string, value: unknown, rule: string): void {
  if (!ok) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `generation option ${name} must be ${rule}, got ${JSON.stringify(value)}`,
      {
        details: { argument: name, value },
      },
    );
  }
}

const isInt = (v: number, min: number) => Number.isInteger(v) && v >= min;

/**
 * Merges user options over model defaults and validates them (`INVALID_ARGUMENT` naming the
 * option). `promptLength` (positions the longest prompt takes) turns a `max_length` (user
 * `maxLength` or the config's) into new tokens the way transformers does: `maxNewTokens` (or
 * the config's `max_new_tokens`) wins, then `maxLength` (or the config's `max_length`); without
 * any limit, 20 new tokens. A prompt that fills `max_length` is an error, as in transformers.
 */
export function resolveGenerationOptions(
  options: GenerationOptions = {},
  defaults: GenerationDefaults = { eosTokenIds: [] },
  promptLength = 0,
): ResolvedGenerationOptions {
  const o = { ...defaults.extra, ...options };
  const eos = o.eosTokenId === undefined ? [...defaults.eosTokenIds] : ids(o.eosTokenId);
  // HF precedence: max_new_tokens (user's, then the config's), then max_length (counts the
  // prompt), then 20 new tokens.
  const newTokens = o.maxNewTokens ?? defaults.maxNewTokens;
  const maxLength = newTokens === undefined ? (o.maxLength ?? defaults.maxLength) : undefined;
  const r: ResolvedGenerationOptions = {
    maxNewTokens: newTokens ?? (maxLength === undefined ? 20 : maxLength - promptLength),
    minNewTokens: o.minNewTokens ?? 0,
    numBeams: o.numBeams ?? defaults.numBeams ?? 1,
    lengthPenalty: o.lengthPenalty ?? 1,
    earlyStopping: o.earlyStopping ?? false,
    numReturnSequences: o.numReturnSequences ?? 1,
    doSample: o.doSample ?? false,
    temperature: o.temperature ?? 1,
    topK: o.topK ?? 0,
    topP: o.topP ?? 1,
    seed: o.seed ?? 0,
    repetitionPenalty: o.repetitionPenalty ?? 1,
    noRepeatNgramSize: o.noRepeatNgramSize ?? 0,
    badWordsIds: o.badWordsIds ?? [],
    eosTokenIds: eos,
    padTokenId: o.padTokenId ?? defaults.padTokenId ?? eos[0] ?? 0,
    stopStrings: o.stopStrings ?? [],
    useCache: o.useCache ?? true,
    signal: o.signal,
  };
  if (maxLength !== undefined && r.maxNewTokens < 1) {
    check(
      false,
      "maxLength",
      maxLength,
      `greater than the prompt's ${promptLength} positions (HF raises here too; set maxNewTokens)`,
    );
  }
  check(isInt(r.maxNewTokens, 1), "maxNewTokens", r.maxNewTokens, "an integer ≥ 1");
  check(isInt(r.minNewTokens, 0), "minNewTokens", r.minNewTokens, "an integer ≥ 0");
  check(isInt(r.numBeams, 1), "numBeams", r.numBeams, "an integer ≥ 1");
  check(Number.isFinite(r.lengthPenalty), "lengthPenalty", r.lengthPenalty, "a finite number");
  check(isInt(r.numReturnSequences, 1), "numReturnSequences", r.numReturnSequences, "an integer ≥ 1");
  check(
    r.doSample || r.numBeams > 1 || r.numReturnSequences === 1,
    "numReturnSequences",
    r.numReturnSequences,
    "1 for greedy decoding (use numBeams or doSample)",
  );
  check(
    r.numReturnSequences <= r.numBeams || r.numBeams === 1,
    "numReturnSequences",
    r.numReturnSequences,
    "≤ numBeams",
  );
  check(
    !(r.doSample && r.numBeams > 1),
    "doSample",
    r.doSample,
    "false with numBeams > 1 (beam sampling is not supported)",
  );
  check(r.temperature > 0 && Number.isFinite(r.temperature), "temperature", r.temperature, "a number > 0");
  check(isInt(r.topK, 0), "topK", r.topK, "an integer ≥ 0");
  check(r.topP > 0 && r.topP <= 1, "topP", r.topP, "in (0, 1]");
  check(Number.isInteger(r.seed), "seed", r.seed, "an integer");
  check(
    r.repetitionPenalty > 0 && Number.isFinite(r.repetitionPenalty),
    "repetitionPenalty",
    r.repetitionPenalty,
    "> 0",
  );
  check(isInt(r.noRepeatNgramSize, 0), "noRepeatNgramSize", r.noRepeatNgramSize, "an integer ≥ 0");
  check(
    r.badWordsIds.every((b) => b.length > 0 && b.every((t) => isInt(t, 0))),
    "badWordsIds",
    r.badWordsIds,
    "non-empty arrays of token ids",
  );
  check(
    r.eosTokenIds.every((t) => isInt(t, 0)),
    "eosTokenId",
    o.eosTokenId,
    "token ids",
  );
  check(
    r.stopStrings.every((s) => typeof s === "string" && s.length > 0),
    "stopStrings",
    r.stopStrings,
    "non-empty strings",
  );
  return r;
}

/** Throws `ClipkitError("ABORTED")` if `signal` fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ClipkitError("ABORTED", "generation was aborted", { cause: signal.reason });
  }
}
