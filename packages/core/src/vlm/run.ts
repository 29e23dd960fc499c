/**
 * Runs one generation over a batch of images for the captioner and VQA front-ends: option
 * resolution, prompt-length checks, batching, decoding to text, stop strings and streaming.
 */
import { ClipkitError, wrapError } from "../errors.js";
import { generate } from "../generation/generate.js";
import { resolveGenerationOptions } from "../generation/options.js";
import { type StreamChunk, TextDeltas } from "../generation/stream.js";
import type { GeneratedSequence, GenerationOptions, ResolvedGenerationOptions } from "../generation/types.js";
import { preprocessBatch } from "../image/preprocess.js";
import type { RawImage } from "../image/types.js";
import { pixelTensor } from "./encoder-decoder.js";
import type { VlmModel } from "./model.js";

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

/** The result for one image: the best text and all `numReturnSequences` candidates. */
export interface GenerationResult extends GeneratedText {
  readonly sequences: readonly GeneratedText[];
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

/**
 * Generates for `images[i]` with `prompts[i]`. Prompts that cannot share a batch (different
 * lengths on an encoder-decoder without attention mask) run as separate batches.
 */
export async function runVlm(
  model: VlmModel,
  images: readonly RawImage[],
  prompts: readonly (readonly number[])[],
  options: VlmGenerateOptions = {},
): Promise<GenerationResult[]> {
  if (images.length === 0) {
    throw new ClipkitError("INVALID_ARGUMENT", "at least one image is required", {
      details: { argument: "images" },
    });
  }
  const longest = Math.max(...prompts.map((p) => model.promptPositions(p)));
  const o = resolveGenerationOptions(options, model.defaults, longest);
  const limit = model.config.maxPositions;
  prompts.forEach((p, i) => {
    const needed = model.promptPositions(p) + o.maxNewTokens;
    if (limit !== undefined && needed > limit) {
      throw new ClipkitError(
        "PROMPT_INVALID",
        `prompt ${i} takes ${model.promptPositions(p)} positions; with maxNewTokens ${o.maxNewTokens} that exceeds the model's ${limit}`,
        { details: { argument: `prompts[${i}]`, positions: model.promptPositions(p), limit } },
      );
    }
  });
  const groups = new Map<number, number[]>();
  prompts.forEach((p, i) => {
    const key = model.layout === "llava" ? 0 : p.length;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const results = new Array<GenerationResult>(images.length);
  for (const indices of groups.values()) {
    const batch = preprocessBatch(
      indices.map((i) => images[i]!),
      model.preprocess,
    );
    const decode = (ids: readonly number[]) => model.tokenizer.decode(ids);
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
    let sequences: GeneratedSequence[][];
    try {
      const lm = await model.start(
        pixelTensor(batch.data, batch.dims),
        indices.map((i) => prompts[i]!),
        o.useCache,
      );
      sequences = await generate(
        lm,
        indices.map((i) => prompts[i]!),
        o,
        { onToken: ({ input, row, token }) => emit(row, input, token), decode },
      );
    } catch (error) {
      throw wrapError(error, "GENERATION_FAILED", "generation failed");
    }
    sequences.forEach((seqs, k) => {
      const texts = seqs.map((s) => toText(model, s, o));
      if (o.numBeams > 1) for (const t of seqs[0]!.tokens) emit(k, k, t);
      results[indices[k]!] = { ...texts[0]!, sequences: texts };
    });
  }
  return results;
}
