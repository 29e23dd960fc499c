/**
 * Runs generations for the captioner, VQA and chat front-ends, whatever the family: request
 * preparation, prompt-length checks, batching by the family's batch key, decoding to text, stop
 * strings, streaming and the family's structured post-processing.
 */
import { ClipkitError, wrapError } from "../errors.js";
import { generate } from "../generation/generate.js";
import { resolveGenerationOptions } from "../generation/options.js";
import { type StreamChunk, TextDeltas } from "../generation/stream.js";
import type { GeneratedSequence, GenerationOptions, ResolvedGenerationOptions } from "../generation/types.js";
import type { PreparedRequest, VlmModel, VlmRequest } from "./family.js";
import { unsupportedKind } from "./pixels.js";

/** Generation options plus a per-token callback. */
export interface VlmGenerateOptions extends GenerationOptions {
  /** Called with every token and its text delta as it is produced (beam search: at the end). */
  onChunk?: (chunk: StreamChunk) => void;
}

/** One generated text. */
export interface GeneratedText {
  /** Decoded text, special tokens dropped, cut before a stop string. */
  readonly text: string;
  /** Generated ids (prompt excluded, EOS included when produced). */
  readonly tokens: readonly number[];
  /** Beam score (length-normalised log-probability), beam search only. */
  readonly score?: number;
}

/** The result for one request: the best text and all `numReturnSequences` candidates. */
export interface GenerationResult extends GeneratedText {
  readonly sequences: readonly GeneratedText[];
  /** The family's structured reading of the best text (e.g. Florence-2 boxes), when it has one. */
  readonly structured?: unknown;
}

function toText(model: VlmModel, seq: GeneratedSequence, o: ResolvedGenerationOptions): GeneratedText {
  const eos = new Set(o.eosTokenIds);
  const body = seq.tokens.filter((t, i) => !(eos.has(t) && i === seq.tokens.length - 1));
  let text = model.tokenizer.decode(body);
  for (const stop of o.stopStrings) {
    const at = text.indexOf(stop);
    if (at >= 0) text = text.slice(0, at);
  }
  return seq.score === undefined
    ? { text, tokens: seq.tokens }
    : { text, tokens: seq.tokens, score: seq.score };
}

function prepareAll(model: VlmModel, requests: readonly VlmRequest[]): PreparedRequest[] {
  if (requests.length === 0) {
    throw new ClipkitError("INVALID_ARGUMENT", "at least one image is required", {
      details: { argument: "images" },
    });
  }
  return requests.map((r, i) => {
    if (!model.kinds.includes(r.kind)) unsupportedKind(model.family, r, i);
    return model.prepare(r, i);
  });
}

/**
 * Generates one result per request, in input order. Requests the family cannot batch together
 * (different `batchKey`s) run as separate batches. Fails with `PROMPT_INVALID` when a prompt plus
 * `maxNewTokens` exceeds the model's positions, and `GENERATION_FAILED` wrapping inference errors.
 */
export async function runVlm(
  model: VlmModel,
  requests: readonly VlmRequest[],
  options: VlmGenerateOptions = {},
): Promise<GenerationResult[]> {
  const prepared = prepareAll(model, requests);
  const longest = Math.max(...prepared.map((p) => p.positions));
  const o = resolveGenerationOptions(options, model.defaults, longest);
  const limit = model.config.maxPositions;
  prepared.forEach((p, i) => {
    if (limit !== undefined && p.positions + o.maxNewTokens > limit) {
      throw new ClipkitError(
        "PROMPT_INVALID",
        `prompt ${i} takes ${p.positions} positions; with maxNewTokens ${o.maxNewTokens} that exceeds the model's ${limit}`,
        { details: { argument: `prompts[${i}]`, positions: p.positions, limit } },
      );
    }
  });
  const groups = new Map<string, number[]>();
  prepared.forEach((p, i) => {
    groups.set(p.batchKey, [...(groups.get(p.batchKey) ?? []), i]);
  });
  const results = new Array<GenerationResult>(requests.length);
  const decode = (ids: readonly number[]) => model.tokenizer.decode(ids);
  for (const indices of groups.values()) {
    const deltas = new Map<number, TextDeltas>();
    const emit = (row: number, input: number, token: number) => {
      if (!options.onChunk) return;
      let d = deltas.get(row);
      if (!d) {
        d = new TextDeltas(decode);
        deltas.set(row, d);
      }
      options.onChunk({ input: indices[input]!, token, text: d.push(token) });
    };
    const batch = indices.map((i) => prepared[i]!);
    let sequences: GeneratedSequence[][];
    try {
      const lm = await model.start(batch, o.useCache);
      sequences = await generate(
        lm,
        batch.map((b) => b.ids),
        o,
        { onToken: ({ input, row, token }) => emit(row, input, token), decode },
      );
    } catch (error) {
      throw wrapError(error, "GENERATION_FAILED", "generation failed");
    }
    sequences.forEach((seqs, k) => {
      const texts = seqs.map((s) => toText(model, s, o));
      if (o.numBeams > 1) for (const t of seqs[0]!.tokens) emit(k, k, t);
      const request = requests[indices[k]!]!;
      const best = texts[0]!;
      const structured = model.postprocess?.(best.text, best.tokens, request);
      results[indices[k]!] = {
        ...best,
        sequences: texts,
        ...(structured === undefined ? {} : { structured }),
      };
    });
  }
  return results;
}
