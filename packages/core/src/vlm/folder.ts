/**
 * Loading helpers every VLM family shares: the folder's JSON files, sessions (released together
 * when a later step fails), the tokenizer, the image processor settings and generation defaults.
 */
import type { InferenceSession, ModelFiles } from "../backend/session.js";
import { ClipkitError, wrapError } from "../errors.js";
import { type GenerationDefaults, parseGenerationDefaults } from "../generation/options.js";
import { parsePreprocessorConfig } from "../image/config.js";
import type { PreprocessConfig } from "../image/types.js";
import { type ModelDtype, onnxPath, parseDtype } from "../model/dtype.js";
import { readGraph } from "../model/external-data.js";
import { createByteLevelBpeTokenizer, isByteLevelBpe } from "../tokenizer/byte-level-bpe.js";
import { createTokenizer } from "../tokenizer/create.js";
import type { Tokenizer } from "../tokenizer/types.js";
import type { VlmFolder } from "./family.js";
import type { VlmLoadOptions } from "./options.js";

/** Reads and parses `path`; `undefined` when absent and not `required` (`MODEL_FILE_MISSING` when required). */
export async function readJson(files: ModelFiles, path: string, required: boolean): Promise<unknown> {
  if (!required && !(await files.exists(path))) return undefined;
  const text = await files.readText(path);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ClipkitError("MODEL_CONFIG_INVALID", `${files.location}/${path} is not valid JSON`, {
      cause,
      details: { file: `${files.location}/${path}` },
    });
  }
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/**
 * Reads what family detection needs: config.json (required) and generation_config.json (unless
 * `read.generationConfig` is false, as for a hub listing that answers config.json alone).
 */
export async function openVlmFolder(
  files: ModelFiles,
  dtype?: ModelDtype,
  read: { generationConfig?: boolean } = {},
): Promise<VlmFolder> {
  const raw = await readJson(files, "config.json", true);
  const config = record(raw);
  if (!config) {
    throw new ClipkitError("MODEL_CONFIG_INVALID", `${files.location}/config.json: expected a JSON object`, {
      details: { file: `${files.location}/config.json` },
    });
  }
  const archs = Array.isArray(config.architectures)
    ? config.architectures.filter((a): a is string => typeof a === "string")
    : [];
  return {
    files,
    dtype: parseDtype(dtype),
    config,
    modelType: typeof config.model_type === "string" ? config.model_type : undefined,
    architectures: archs,
    generationConfig:
      read.generationConfig === false ? undefined : await readJson(files, "generation_config.json", false),
  };
}

/** `onnx/<stem><dtype suffix>.onnx` of the folder's dtype, or `MODEL_FILE_MISSING` naming it and `family`. */
export async function onnxStem(folder: VlmFolder, stem: string, family: string): Promise<string> {
  const path = onnxPath(stem, folder.dtype);
  if (await folder.files.exists(path)) return path;
  throw new ClipkitError("MODEL_FILE_MISSING", `${folder.files.location}: ${family} model without ${path}`, {
    details: { file: `${folder.files.location}/${path}`, dtype: folder.dtype },
  });
}

/** The first of `stems` present in the folder's dtype (merged decoder before plain), else `MODEL_FILE_MISSING` naming the first. */
export async function firstOnnxStem(
  folder: VlmFolder,
  stems: readonly string[],
  family: string,
): Promise<string> {
  for (const stem of stems) {
    const path = onnxPath(stem, folder.dtype);
    if (await folder.files.exists(path)) return path;
  }
  return onnxStem(folder, stems[0]!, family);
}

/** Whether `onnx/<stem>.onnx` exists in fp32 or the folder's dtype (the family's marker file). */
export async function hasOnnxStem(folder: VlmFolder, stem: string): Promise<boolean> {
  return (
    (await folder.files.exists(onnxPath(stem, "fp32"))) ||
    (await folder.files.exists(onnxPath(stem, folder.dtype)))
  );
}

/**
 * Creates a session for `path` (external data included), labelled with the file for errors, and
 * records it in `opened` so the caller can release everything when a later step fails.
 */
export async function openSession(
  options: VlmLoadOptions,
  path: string,
  opened: InferenceSession[],
): Promise<InferenceSession> {
  const label = `${options.files.location}/${path}`;
  const { model, externalData } = await readGraph(options.files, path);
  try {
    const s = await options.backend.createSession(model, {
      ...options.sessionOptions,
      ...(externalData.length > 0 ? { externalData } : {}),
      label,
    });
    opened.push(s);
    return s;
  } catch (error) {
    throw wrapError(error, "INFERENCE_FAILED", `cannot load ${label}`, { file: label });
  }
}

/** Graph paths by session name; an `undefined` path opens no session (an optional graph). */
export type SessionPaths<P> = { readonly [K in keyof P]: string | undefined };

/** The sessions of {@link withSessions}, by name, and their file labels (`<location>/<path>`) for errors. */
export type NamedSessions<P extends SessionPaths<P>> = {
  readonly [K in keyof P]: P[K] extends string ? InferenceSession : InferenceSession | undefined;
} & { readonly labels: { readonly [K in keyof P]: P[K] extends string ? string : string | undefined } };

/**
 * Opens a session for each of `paths` (in their order, see {@link openSession}) and hands them to
 * `build` with a `release` that frees them all (the loaded model's `release`). When an open or
 * `build` fails, the sessions opened so far are released before the error propagates, so a
 * family's `load` never leaks one.
 */
export async function withSessions<P extends SessionPaths<P>, T>(
  options: VlmLoadOptions,
  paths: P,
  build: (sessions: NamedSessions<P>, release: () => Promise<void>) => T | Promise<T>,
): Promise<T> {
  const opened: InferenceSession[] = [];
  const release = async () => {
    await Promise.all(opened.map((s) => s.release()));
  };
  try {
    const sessions: Record<string, unknown> = {};
    const labels: Record<string, string> = {};
    for (const [name, path] of Object.entries<string | undefined>(paths)) {
      if (path === undefined) continue;
      sessions[name] = await openSession(options, path, opened);
      labels[name] = `${options.files.location}/${path}`;
    }
    return await build({ ...sessions, labels } as NamedSessions<P>, release);
  } catch (error) {
    await release();
    throw error;
  }
}

/** Fails with `MODEL_TENSOR_MISSING` unless `session` has every one of `names` among its `kind`. */
export function needTensors(
  session: InferenceSession,
  label: string,
  names: readonly string[],
  kind: "inputs" | "outputs",
): void {
  for (const n of names) {
    if (!session[kind].some((v) => v.name === n)) {
      throw new ClipkitError("MODEL_TENSOR_MISSING", `${label}: graph has no ${kind.slice(0, -1)} "${n}"`, {
        details: { file: label, tensor: n },
      });
    }
  }
}

/** tokenizer.json (+ tokenizer_config.json) → a tokenizer (byte-level BPE files get the fast path). */
export async function loadVlmTokenizer(files: ModelFiles): Promise<Tokenizer> {
  const json = await readJson(files, "tokenizer.json", true);
  const config = await readJson(files, "tokenizer_config.json", false);
  return record(json) && isByteLevelBpe(json as Record<string, unknown>)
    ? createByteLevelBpeTokenizer(json, config)
    : createTokenizer(json, config);
}

/**
 * The image processor's settings: `preprocessor_config.json` (what transformers.js repos and
 * transformers < 5 write) or else the `image_processor` entry of `processor_config.json` (a
 * transformers 5 processor's `save_pretrained` writes only that file).
 */
export async function readImageProcessorConfig(files: ModelFiles): Promise<unknown> {
  const legacy = await readJson(files, "preprocessor_config.json", false);
  if (legacy !== undefined) return legacy;
  const processor = record(await readJson(files, "processor_config.json", false));
  const nested = processor?.image_processor;
  if (record(nested)) return nested;
  throw new ClipkitError(
    "MODEL_FILE_MISSING",
    `${files.location}: no preprocessor_config.json (nor an image_processor in processor_config.json)`,
    { details: { file: `${files.location}/preprocessor_config.json` } },
  );
}

/** The folder's image preprocessing, with config.json's `model_type` as the class hint (as AutoImageProcessor). */
export async function loadPreprocessConfig(folder: VlmFolder): Promise<PreprocessConfig> {
  return parsePreprocessorConfig(
    await readImageProcessorConfig(folder.files),
    folder.modelType === undefined ? {} : { modelType: folder.modelType },
  );
}

/** generation_config.json + config.json defaults, EOS and pad falling back to the tokenizer's. */
export function generationDefaults(folder: VlmFolder, tokenizer: Tokenizer): GenerationDefaults {
  const defaults = parseGenerationDefaults(folder.generationConfig, folder.config);
  const eos =
    defaults.eosTokenIds.length > 0
      ? defaults.eosTokenIds
      : tokenizer.eosTokenId === undefined
        ? []
        : [tokenizer.eosTokenId];
  return { ...defaults, eosTokenIds: eos, padTokenId: defaults.padTokenId ?? tokenizer.padTokenId };
}
