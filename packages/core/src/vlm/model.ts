/**
 * Loads a captioning/VQA folder into a {@link VlmModel}: the sessions of its layout, the
 * tokenizer, the image preprocessing and the generation defaults, behind one `start` call
 * that the captioner and VQA front-ends share.
 */
import type { Backend, InferenceSession, ModelFiles, SessionOptions, Tensor } from "../backend/session.js";
import { ClipkitError, wrapError } from "../errors.js";
import { type GenerationDefaults, parseGenerationDefaults } from "../generation/options.js";
import type { LogitsModel } from "../generation/types.js";
import { parsePreprocessorConfig } from "../image/config.js";
import type { PreprocessConfig } from "../image/types.js";
import { type ModelDtype, parseDtype } from "../model/dtype.js";
import { readGraph } from "../model/external-data.js";
import { createByteLevelBpeTokenizer, isByteLevelBpe } from "../tokenizer/byte-level-bpe.js";
import { createTokenizer } from "../tokenizer/create.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { parseVlmConfig, type VlmConfig } from "./config.js";
import { checkEncoderDecoder, type EncoderDecoderSessions, startEncoderDecoder } from "./encoder-decoder.js";
import { detectVlmLayout, type VlmLayout } from "./layout.js";
import { checkLlava, type LlavaSessions, startLlava } from "./llava.js";

/** What `createCaptioner` / `createVqa` need to load a folder. */
export interface VlmLoadOptions {
  /** The runtime adapter, e.g. `nodeBackend()` or `webBackend()`. */
  backend: Backend;
  /** The model folder. */
  files: ModelFiles;
  /** Passed to every `createSession`. */
  sessionOptions?: SessionOptions;
  /** Weight variant, as transformers.js names them (default `"fp32"`; `"fp16"` → `onnx/*_fp16.onnx`, `"quantized"` → `onnx/*_quantized.onnx`, …). */
  dtype?: ModelDtype;
  /** LLaVA prompt with `<image>` and `{prompt}` (default config `clipkit.prompt_template` or `"USER: <image>\n{prompt} ASSISTANT:"`). */
  promptTemplate?: string;
  /** Encoder-decoder VQA prefix with `{question}` (default config `clipkit.question_template` or `"{question}"`). */
  questionTemplate?: string;
  /** LLaVA captioning instruction (default `"Describe the image."`). */
  captionPrompt?: string;
}

/** A loaded VLM, layout-independent. */
export interface VlmModel {
  readonly layout: VlmLayout["kind"];
  readonly tokenizer: Tokenizer;
  readonly preprocess: PreprocessConfig;
  readonly defaults: GenerationDefaults;
  readonly config: VlmConfig;
  /** Token ids of the prompt for a caption (`question` undefined) or a question. */
  promptIds(question: string | undefined): number[];
  /** Starts a generation over `pixels` ([B,3,H,W]) with one prompt per image. */
  start(
    pixels: Tensor<"float32">,
    prompts: readonly (readonly number[])[],
    useCache: boolean,
  ): Promise<LogitsModel>;
  /** Positions the prompt will take in the decoder (LLaVA: image features included). */
  promptPositions(prompt: readonly number[]): number;
  release(): Promise<void>;
}

const DEFAULT_TEMPLATE = "USER: <image>\n{prompt} ASSISTANT:";
const DEFAULT_CAPTION_PROMPT = "Describe the image.";

async function readJson(files: ModelFiles, path: string, required: boolean): Promise<unknown> {
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

/**
 * The image processor's settings: `preprocessor_config.json` (what transformers.js repos and
 * transformers < 5 write) or else the `image_processor` entry of `processor_config.json` (a
 * transformers 5 processor's `save_pretrained` writes only that file).
 */
async function readImageProcessorConfig(files: ModelFiles): Promise<unknown> {
  const legacy = await readJson(files, "preprocessor_config.json", false);
  if (legacy !== undefined) return legacy;
  const processor = await readJson(files, "processor_config.json", false);
  const nested = (processor as Record<string, unknown> | undefined)?.image_processor;
  if (typeof nested === "object" && nested !== null) return nested;
  throw new ClipkitError(
    "MODEL_FILE_MISSING",
    `${files.location}: no preprocessor_config.json (nor an image_processor in processor_config.json)`,
    { details: { file: `${files.location}/preprocessor_config.json` } },
  );
}

async function session(
  o: VlmLoadOptions,
  path: string,
  opened: InferenceSession[],
): Promise<InferenceSession> {
  const label = `${o.files.location}/${path}`;
  const { model, externalData } = await readGraph(o.files, path);
  try {
    const s = await o.backend.createSession(model, {
      ...o.sessionOptions,
      ...(externalData.length > 0 ? { externalData } : {}),
      label,
    });
    opened.push(s);
    return s;
  } catch (error) {
    throw wrapError(error, "INFERENCE_FAILED", `cannot load ${label}`, { file: label });
  }
}

/**
 * Loads the folder in `options.files`, detecting its layout. Fails with `MODEL_LAYOUT_UNSUPPORTED`,
 * `MODEL_FILE_MISSING`, `MODEL_CONFIG_INVALID`, `TOKENIZER_INVALID` or `MODEL_TENSOR_MISSING`
 * naming the file at fault; sessions opened before a failure are released.
 */
export async function loadVlmModel(options: VlmLoadOptions): Promise<VlmModel> {
  const { files } = options;
  const layout = await detectVlmLayout(files, parseDtype(options.dtype));
  const rawConfig = await readJson(files, "config.json", true);
  const config = parseVlmConfig(rawConfig, `${files.location}/config.json`);
  const generationConfig = await readJson(files, "generation_config.json", false);
  const defaults = parseGenerationDefaults(generationConfig, await readJson(files, "config.json", true));
  // config.json's model_type picks the image-processor class when the file names none (as
  // transformers' AutoImageProcessor does).
  const modelType = (rawConfig as { model_type?: unknown } | null)?.model_type;
  const preprocess = parsePreprocessorConfig(
    await readImageProcessorConfig(files),
    typeof modelType === "string" ? { modelType } : {},
  );
  const tokJson = await readJson(files, "tokenizer.json", true);
  const tokConfig = await readJson(files, "tokenizer_config.json", false);
  const tokenizer =
    typeof tokJson === "object" && tokJson !== null && isByteLevelBpe(tokJson as Record<string, unknown>)
      ? createByteLevelBpeTokenizer(tokJson, tokConfig)
      : createTokenizer(tokJson, tokConfig);
  const eos =
    defaults.eosTokenIds.length > 0
      ? defaults.eosTokenIds
      : tokenizer.eosTokenId === undefined
        ? []
        : [tokenizer.eosTokenId];
  const pad = defaults.padTokenId ?? tokenizer.padTokenId;
  const fullDefaults: GenerationDefaults = { ...defaults, eosTokenIds: eos, padTokenId: pad };
  const opened: InferenceSession[] = [];
  const release = async () => {
    await Promise.all(opened.map((s) => s.release()));
  };
  try {
    if (layout.kind === "encoder-decoder") {
      const s: EncoderDecoderSessions = {
        encoder: await session(options, layout.encoder, opened),
        decoder: await session(options, layout.decoder, opened),
        labels: {
          encoder: `${files.location}/${layout.encoder}`,
          decoder: `${files.location}/${layout.decoder}`,
        },
      };
      checkEncoderDecoder(s);
      const start = config.decoderStartTokenId ?? tokenizer.bosTokenId;
      if (start === undefined) {
        throw new ClipkitError(
          "MODEL_CONFIG_INVALID",
          `${files.location}/config.json: no decoder_start_token_id`,
          {
            details: { file: `${files.location}/config.json` },
          },
        );
      }
      const template = options.questionTemplate ?? config.templates.question ?? "{question}";
      return {
        layout: "encoder-decoder",
        tokenizer,
        preprocess,
        defaults: fullDefaults,
        config,
        promptIds: (q) =>
          q === undefined
            ? [start]
            : [start, ...tokenizer.encode(template.replace("{question}", q), { truncation: false })],
        promptPositions: (p) => p.length,
        start: (pixels, prompts, useCache) =>
          startEncoderDecoder(s, pixels, prompts, { useCache, hints: config.kv }),
        release,
      };
    }
    const s: LlavaSessions = {
      vision: await session(options, layout.vision, opened),
      embed: await session(options, layout.embed, opened),
      decoder: await session(options, layout.decoder, opened),
      labels: {
        vision: `${files.location}/${layout.vision}`,
        embed: `${files.location}/${layout.embed}`,
        decoder: `${files.location}/${layout.decoder}`,
      },
    };
    checkLlava(s);
    const imageTokenId = config.imageTokenId ?? tokenizer.tokenToId("<image>");
    if (imageTokenId === undefined) {
      throw new ClipkitError(
        "MODEL_CONFIG_INVALID",
        `${files.location}/config.json: no image_token_index and no <image> token`,
        {
          details: { file: `${files.location}/config.json` },
        },
      );
    }
    const template = options.promptTemplate ?? config.templates.prompt ?? DEFAULT_TEMPLATE;
    const captionPrompt = options.captionPrompt ?? config.templates.caption ?? DEFAULT_CAPTION_PROMPT;
    const imageFeatures = s.vision.outputs[0]?.name;
    const featureDims = s.vision.outputs.find((o) => o.name === imageFeatures)?.dims;
    const nImage = typeof featureDims?.[1] === "number" ? featureDims[1] : undefined;
    return {
      layout: "llava",
      tokenizer,
      preprocess,
      defaults: fullDefaults,
      config,
      promptIds: (q) => {
        const text = template.replace("{prompt}", q ?? captionPrompt);
        const ids = tokenizer.encode(text, { truncation: false });
        // Llama-style files add BOS in their post-processor (as LlavaProcessor's tokenizer does);
        // a tokenizer that does not gets it prepended here, never twice.
        const bos = tokenizer.bosTokenId;
        if (bos !== undefined && bos !== tokenizer.eosTokenId && ids[0] !== bos) ids.unshift(bos);
        return ids;
      },
      promptPositions: (p) => p.length - 1 + (nImage ?? 0),
      start: (pixels, prompts, useCache) =>
        startLlava(s, pixels, prompts, { useCache, hints: config.kv, imageTokenId, padTokenId: pad }),
      release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}
