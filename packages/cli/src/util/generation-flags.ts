import type { Writable } from "node:stream";
/** Flags shared by `clipkit caption` and `clipkit ask`: model folder and generation options. */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { ClipkitError, type GenerationOptions, isClipkitError } from "@clipkit/core";
import { MAX_BATCH_SIZE, parsePositiveInt } from "./args.js";
import { WALK_FLAGS } from "./inputs.js";
import { resolveModelRef } from "./model-ref.js";
import { parseRuntimeFlags, type RuntimeOptions } from "./runtime.js";

/** parseArgs option specs for generation. */
export const GENERATION_FLAGS = {
  model: { type: "string" },
  strict: { type: "boolean" },
  ...WALK_FLAGS,
  beams: { type: "string" },
  "max-new-tokens": { type: "string" },
  "min-new-tokens": { type: "string" },
  "num-return": { type: "string" },
  "length-penalty": { type: "string" },
  sample: { type: "boolean" },
  temperature: { type: "string" },
  "top-k": { type: "string" },
  "top-p": { type: "string" },
  seed: { type: "string" },
  "repetition-penalty": { type: "string" },
  "no-repeat-ngram": { type: "string" },
  stop: { type: "string", multiple: true },
  "no-cache": { type: "boolean" },
  threads: { type: "string" },
  device: { type: "string" },
  dtype: { type: "string" },
  "batch-size": { type: "string" },
  json: { type: "boolean" },
  // ask: several images and a system prompt (chat); caption: Florence-2 style task prompts.
  image: { type: "string", multiple: true },
  system: { type: "string" },
  task: { type: "string" },
  "task-text": { type: "string" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

/** Usage lines for {@link GENERATION_FLAGS}. */
export const GENERATION_USAGE = `  --model DIR|ID           model folder or hub id owner/name[@revision] (image-to-text
                           encoder-decoder or LLaVA-style; ids are cached like Python's)
  --beams N                beam search with N beams (default 1 = greedy)
  --max-new-tokens N       most tokens to generate (default: the model's, else 20)
  --min-new-tokens N       no end-of-text before N tokens
  --num-return N           sequences per image (beam search or --sample)
  --length-penalty X       beam length penalty (default 1)
  --sample                 sample instead of greedy; with --temperature, --top-k, --top-p, --seed
  --repetition-penalty X   penalise repeated tokens (e.g. 1.2)
  --no-repeat-ngram N      never repeat an N-gram
  --stop TEXT              stop when TEXT appears (repeatable)
  --no-cache               re-run the full sequence each step (slow; for checks)
  --threads N              onnxruntime intra-op threads (default: onnxruntime's)
  --device EP[,EP…]        execution providers in order of preference: cpu (default), cuda, …
  --dtype D                weights: fp32 (default), fp16, quantized, int8, uint8, q4, q4f16, bnb4
                           (picks onnx/<name>_<suffix>.onnx for every graph)
  --batch-size N           images per generation call (caption; default 8)
  --json                   print JSON results`;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof GENERATION_FLAGS; allowPositionals: true; strict: true }>
>["values"];

/** Parses argv strictly; unknown flags become `INVALID_ARGUMENT`. */
export function parseGenerationArgs(argv: readonly string[]): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: [...argv], options: GENERATION_FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `${error instanceof Error ? error.message : String(error)} (see --help)`,
    );
  }
}

function number(values: Values, flag: keyof Values): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(n)) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `--${String(flag)} must be a number, got ${JSON.stringify(raw)}`,
      {
        details: { argument: `--${String(flag)}` },
      },
    );
  }
  return n;
}

/** The model flag (folder or hub id), required, resolved by {@link resolveModelRef}; download progress goes to `stderr`. */
export async function modelDir(values: Values, stderr?: Writable): Promise<string> {
  if (!values.model) {
    throw new ClipkitError("INVALID_ARGUMENT", "--model DIR|ID is required", {
      details: { argument: "--model" },
    });
  }
  const { dtype } = parseRuntimeFlags({ dtype: values.dtype });
  return (await resolveModelRef(values.model, { kind: "vlm", dtype, ...(stderr ? { stderr } : {}) })).dir;
}

/** Generation options from flags (validation of ranges happens in core). */
export function generationOptions(values: Values): GenerationOptions {
  const o: GenerationOptions = {
    numBeams: number(values, "beams"),
    maxNewTokens: number(values, "max-new-tokens"),
    minNewTokens: number(values, "min-new-tokens"),
    numReturnSequences: number(values, "num-return"),
    lengthPenalty: number(values, "length-penalty"),
    doSample: values.sample,
    temperature: number(values, "temperature"),
    topK: number(values, "top-k"),
    topP: number(values, "top-p"),
    seed: number(values, "seed"),
    repetitionPenalty: number(values, "repetition-penalty"),
    noRepeatNgramSize: number(values, "no-repeat-ngram"),
    stopStrings: values.stop,
    useCache: values["no-cache"] ? false : undefined,
  };
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as GenerationOptions;
}

/** The CLI flag of each generation option core validates (its `details.argument`). */
const FLAG_OF: Readonly<Record<string, string>> = {
  numBeams: "--beams",
  maxNewTokens: "--max-new-tokens",
  minNewTokens: "--min-new-tokens",
  numReturnSequences: "--num-return",
  lengthPenalty: "--length-penalty",
  doSample: "--sample",
  temperature: "--temperature",
  topK: "--top-k",
  topP: "--top-p",
  seed: "--seed",
  repetitionPenalty: "--repetition-penalty",
  noRepeatNgramSize: "--no-repeat-ngram",
  stopStrings: "--stop",
  // Not a flag: the model's generation_config.json limit, which --max-new-tokens overrides.
  maxLength: "the model's max_length",
};

/**
 * Core validates generation options by their API names (`maxNewTokens`); a CLI user typed
 * `--max-new-tokens`. Rewrites such an `INVALID_ARGUMENT` so the message and `details.argument`
 * name the flags (every option the message mentions, e.g. "use numBeams or doSample"); any other
 * error is returned as it is.
 */
export function withFlagNames(error: unknown): unknown {
  if (!isClipkitError(error, "INVALID_ARGUMENT")) return error;
  const argument = error.details.argument;
  if (typeof argument !== "string" || FLAG_OF[argument] === undefined) return error;
  const names = new RegExp(`\\b(${Object.keys(FLAG_OF).join("|")})\\b`, "g");
  const message = error.message.replace(/^generation option /, "").replace(names, (name) => FLAG_OF[name]!);
  return new ClipkitError("INVALID_ARGUMENT", message, {
    cause: error,
    details: { ...error.details, argument: FLAG_OF[argument], option: argument },
  });
}

/** onnxruntime-node options (`--threads`, `--device`), `--dtype` and `--batch-size` (default 8). */
export function runtimeOptions(values: Values): {
  backend: RuntimeOptions["backend"];
  dtype: RuntimeOptions["dtype"];
  batchSize: number;
} {
  const { backend, dtype } = parseRuntimeFlags({
    threads: values.threads,
    device: values.device,
    dtype: values.dtype,
  });
  return {
    backend,
    dtype,
    batchSize: parsePositiveInt(values["batch-size"], "--batch-size", 8, MAX_BATCH_SIZE),
  };
}
