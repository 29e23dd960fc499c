/**
 * Types shared by the decoding strategies. A strategy drives a {@link LogitsModel} — an object
 * that owns the sessions and the KV cache of one generation call — and never sees tensors.
 */

/** Options of one `generate` call; names follow Hugging Face `GenerationConfig` in camelCase. */
export interface GenerationOptions {
  /** Most tokens to generate after the prompt (default 20, or `generation_config.json`'s `max_new_tokens`/`max_length`). */
  maxNewTokens?: number;
  /**
   * HF `max_length`: the most positions prompt plus new tokens may take (for LLaVA the prompt
   * counts its image features; for an encoder-decoder, the decoder prefix). Used when
   * `maxNewTokens` is not given; a prompt that already fills it is an `INVALID_ARGUMENT`.
   */
  maxLength?: number;
  /** EOS cannot be chosen before this many new tokens (default 0). */
  minNewTokens?: number;
  /** Beams; 1 = greedy or sampling (default 1). */
  numBeams?: number;
  /** Exponent on the generated length when ranking finished beams (default 1; > 0 favours longer). */
  lengthPenalty?: number;
  /** `true` stops when `numBeams` hypotheses finished, `false` uses a heuristic, `"never"` the exact bound (default false). */
  earlyStopping?: boolean | "never";
  /** Sequences returned per input (≤ numBeams for beam search; default 1). */
  numReturnSequences?: number;
  /** Sample instead of taking the arg-max (default false). */
  doSample?: boolean;
  /** Divides logits before sampling (default 1). */
  temperature?: number;
  /** Keeps the k most likely tokens when sampling (0 = off; default 0). */
  topK?: number;
  /** Keeps the smallest set of tokens whose probability reaches p when sampling (1 = off; default 1). */
  topP?: number;
  /** Seed of the sampling RNG; equal seeds give equal samples (default 0). */
  seed?: number;
  /** CTRL-style penalty on tokens already in the sequence (1 = off; default 1). */
  repetitionPenalty?: number;
  /** Forbids any n-gram of this size from occurring twice (0 = off; default 0). */
  noRepeatNgramSize?: number;
  /** Token sequences that must never be generated. */
  badWordsIds?: readonly (readonly number[])[];
  /** End-of-sequence ids; several are allowed (default from the model's generation config). */
  eosTokenId?: number | readonly number[];
  /** Id written after a row finished (default from the model). */
  padTokenId?: number;
  /**
   * Ends a row (greedy/sampling) or a beam hypothesis (beam search, like EOS) once its decoded
   * generated text contains one of these strings; the returned text is cut before it.
   */
  stopStrings?: readonly string[];
  /** Re-runs the whole sequence each step instead of using the KV cache (slow; for checks). */
  useCache?: boolean;
  /** Cancels between steps; the call rejects with `ClipkitError("ABORTED")`. */
  signal?: AbortSignal;
}

/** A generation option set with defaults filled in and validated. */
export interface ResolvedGenerationOptions {
  readonly maxNewTokens: number;
  readonly minNewTokens: number;
  readonly numBeams: number;
  readonly lengthPenalty: number;
  readonly earlyStopping: boolean | "never";
  readonly numReturnSequences: number;
  readonly doSample: boolean;
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly seed: number;
  readonly repetitionPenalty: number;
  readonly noRepeatNgramSize: number;
  readonly badWordsIds: readonly (readonly number[])[];
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number;
  readonly stopStrings: readonly string[];
  readonly useCache: boolean;
  readonly signal: AbortSignal | undefined;
}

/**
 * The model side of decoding: one instance per call, holding `rows` live sequences.
 * `next(null)` runs the prompts; `next(tokens)` appends one token per row. Both return the
 * next-token logits, row-major `[rows × vocabSize]`.
 */
export interface LogitsModel {
  next(tokens: readonly number[] | null): Promise<{ logits: Float32Array; vocabSize: number }>;
  /** Rebuilds the rows: new row i continues old row `indices[i]` (beam reordering, expansion). */
  reorder(indices: readonly number[]): void;
}

/** One finished sequence: the new token ids (prompt excluded) and, for beam search, its score. */
export interface GeneratedSequence {
  readonly tokens: number[];
  /** Length-normalised log-probability (beam search) or undefined. */
  readonly score?: number;
}

/** Called after every step with the token chosen for each input (greedy/sampling only). */
export type TokenCallback = (step: {
  readonly input: number;
  readonly row: number;
  readonly token: number;
}) => void;
