/**
 * Florence-2 (`Florence2ForConditionalGeneration`: DaViT vision tower + BART encoder-decoder), one
 * model for many tasks chosen by a task token (`<CAPTION>`, `<OD>`, `<CAPTION_TO_PHRASE_GROUNDING>`
 * + a caption, …). Processing follows transformers' `Florence2Processor`: the task token becomes
 * its prompt, the encoder reads the image features followed by `<s>` prompt `</s>`, and the answer
 * is parsed by `post_process_generation` (boxes in pixels of the original image).
 * Hub layout: onnx-community/Florence-2-base(-ft) / -large(-ft) (transformers.js).
 */
import { ClipkitError } from "../../errors.js";
import { parsePreprocessorConfig } from "../../image/config.js";
import { parseVlmConfig } from "../config.js";
import type { PreparedRequest, VlmFamily, VlmFolder, VlmModel, VlmRequest } from "../family.js";
import {
  generationDefaults,
  loadVlmTokenizer,
  needTensors,
  onnxStem,
  readImageProcessorConfig,
  readJson,
  withSessions,
} from "../folder.js";
import type { VlmLoadOptions } from "../options.js";
import { requestPixels, unsupportedKind } from "../pixels.js";
import { type Florence2Input, startFlorence2 } from "./florence2-session.js";
import {
  FLORENCE2_TASKS,
  type Florence2ParseConfig,
  florence2Prompt,
  florence2PromptFromText,
  parseFlorence2Answer,
  parseFlorence2Config,
} from "./florence2-tasks.js";

const NAME = "florence2";
const STEMS = {
  vision: "vision_encoder",
  embed: "embed_tokens",
  encoder: "encoder_model",
  decoder: "decoder_model_merged",
} as const;

function isFlorence2(folder: VlmFolder): boolean {
  return (
    folder.modelType === "florence2" || folder.architectures.includes("Florence2ForConditionalGeneration")
  );
}

/** The task a request runs (`"caption"` → `<CAPTION>`) and the prompt text transformers builds. */
function taskOf(request: VlmRequest, index: number): { task: string; prompt: string } {
  if (request.kind === "task") {
    return {
      task: request.task,
      prompt: florence2Prompt(request.task, request.text, `requests[${index}].task`),
    };
  }
  if (request.kind === "caption") {
    if (request.prompt === undefined)
      return { task: "<CAPTION>", prompt: florence2Prompt("<CAPTION>", undefined) };
    // A prompt is read as Florence2Processor reads text: task tokens expanded, free text as written.
    const found = florence2PromptFromText(request.prompt, `requests[${index}].prompt`);
    return { task: found.task ?? "<CAPTION>", prompt: found.prompt };
  }
  return unsupportedKind(NAME, request, index);
}

/** The four graphs of the folder's dtype, in the order vision, embed, encoder, decoder. */
async function graphs(folder: VlmFolder): Promise<readonly string[]> {
  return [
    await onnxStem(folder, STEMS.vision, NAME),
    await onnxStem(folder, STEMS.embed, NAME),
    await onnxStem(folder, STEMS.encoder, NAME),
    await onnxStem(folder, STEMS.decoder, NAME),
  ];
}

async function load(folder: VlmFolder, options: VlmLoadOptions): Promise<VlmModel> {
  const { files } = folder;
  const where = (path: string) => `${files.location}/${path}`;
  const config = parseVlmConfig(folder.config, where("config.json"));
  const tokenizer = await loadVlmTokenizer(files);
  const defaults = generationDefaults(folder, tokenizer);
  const imageProcessor = await readImageProcessorConfig(files);
  const preprocess = parsePreprocessorConfig(imageProcessor, { modelType: "florence2" });
  const processor = (await readJson(files, "processor_config.json", false)) as
    | Record<string, unknown>
    | undefined;
  const parseConfig: Florence2ParseConfig = parseFlorence2Config(processor?.post_processor_config);
  const start = config.decoderStartTokenId;
  const bos = tokenizer.bosTokenId;
  const eos = tokenizer.eosTokenId;
  if (start === undefined || bos === undefined || eos === undefined) {
    throw new ClipkitError(
      "MODEL_CONFIG_INVALID",
      `${where("config.json")}: Florence-2 needs decoder_start_token_id and the tokenizer's <s> / </s>`,
      { details: { file: where("config.json") } },
    );
  }
  const [vision, embed, encoder, decoder] = (await graphs(folder)) as [string, string, string, string];
  return withSessions(options, { vision, embed, encoder, decoder }, (s, release) => {
    needTensors(s.vision, s.labels.vision, ["pixel_values"], "inputs");
    needTensors(s.embed, s.labels.embed, ["input_ids"], "inputs");
    needTensors(s.encoder, s.labels.encoder, ["inputs_embeds", "attention_mask"], "inputs");
    needTensors(s.encoder, s.labels.encoder, ["last_hidden_state"], "outputs");
    needTensors(
      s.decoder,
      s.labels.decoder,
      ["inputs_embeds", "encoder_hidden_states", "encoder_attention_mask"],
      "inputs",
    );
    needTensors(s.decoder, s.labels.decoder, ["logits"], "outputs");
    // Image features per picture: the vision graph's static axis, else the processor's image_seq_length.
    const featureAxis = s.vision.outputs[0]?.dims?.[1];
    const seqLength = (imageProcessor ?? {}) as { image_seq_length?: unknown };
    const nImage =
      typeof featureAxis === "number"
        ? featureAxis
        : typeof seqLength.image_seq_length === "number"
          ? seqLength.image_seq_length
          : undefined;
    return {
      family: NAME,
      tokenizer,
      defaults,
      config,
      kinds: ["task", "caption"],
      tasks: Object.keys(FLORENCE2_TASKS),
      prepare(request, index): PreparedRequest {
        const { prompt } = taskOf(request, index);
        const pixels = requestPixels(request, index, preprocess, NAME);
        const encoderIds = [
          bos,
          ...tokenizer.encode(prompt, { addSpecialTokens: false, truncation: false }),
          eos,
        ];
        const limit = config.maxPositions;
        if (limit !== undefined && nImage !== undefined && nImage + encoderIds.length > limit) {
          throw new ClipkitError(
            "PROMPT_INVALID",
            `request ${index}: the prompt takes ${nImage + encoderIds.length} encoder positions (image included), more than the model's ${limit}`,
            { details: { argument: `requests[${index}]`, positions: nImage + encoderIds.length, limit } },
          );
        }
        const data: Florence2Input = {
          pixels: pixels.pixels,
          pixelDims: pixels.dims.slice(1),
          encoderIds,
        };
        return { ids: [start], positions: 1, batchKey: `florence2:${encoderIds.length}`, data };
      },
      start(batch, useCache) {
        return startFlorence2(
          s,
          batch.map((p) => p.data as Florence2Input),
          [start],
          { useCache, hints: config.kv },
        );
      },
      postprocess(_text, tokens, request) {
        const image = request.images[0];
        if (image === undefined) return undefined;
        // Only requests prepare() accepted get here: "task" or "caption".
        const task = request.kind === "task" ? request.task : taskOf(request, 0).task;
        // The parsers read the special tokens (<loc_N>, </s>) that the plain text drops.
        const raw = tokenizer.decode(tokens, { skipSpecialTokens: false });
        return parseFlorence2Answer(raw, task, [image.width, image.height], parseConfig);
      },
      release,
    };
  });
}

/** The Florence-2 family: `model_type` "florence2" with the four transformers.js graphs. */
export const florence2Family: VlmFamily = {
  name: NAME,
  summary:
    "Florence-2 (model_type florence2): onnx/vision_encoder + onnx/embed_tokens + onnx/encoder_model + onnx/decoder_model_merged",
  matches: async (folder) => isFlorence2(folder),
  graphs,
  load,
};
