/**
 * The LLaVA family (transformers.js llava layout): `onnx/vision_encoder` (vision tower +
 * projector), `onnx/embed_tokens`, and a decoder on `inputs_embeds`. Prompts are built as
 * transformers does: the folder's chat template (llava-hf's llava-1.5 one when it ships none),
 * then LlavaProcessor's expansion of each `<image>` to the image's feature rows
 * (`num_image_tokens` from the processor config), several images per prompt.
 */
import { outputSize } from "../../image/config.js";
import { readChatTemplate } from "../chat-template.js";
import { parseVlmConfig, resolveImageTokenId } from "../config.js";
import type { VlmFamily } from "../family.js";
import {
  generationDefaults,
  hasOnnxStem,
  loadPreprocessConfig,
  loadVlmTokenizer,
  readJson,
  withSessions,
} from "../folder.js";
import { checkLlava, startLlava } from "../llava.js";
import { llavaImageTokens } from "../llava-processor.js";
import { defaultLlavaTemplate, type LlavaPromptSettings, llavaPromptIds } from "../llava-prompt.js";
import { type PixelData, requestPixels, stackPixels } from "../pixels.js";
import { embedsGraphs } from "./embeds-sessions.js";

const NAME = "llava";
const DEFAULT_CAPTION_PROMPT = "Describe the image.";

export const llavaFamily: VlmFamily = {
  name: NAME,
  summary: "LLaVA (model_type llava): onnx/vision_encoder + onnx/embed_tokens + onnx/decoder_model_merged",
  matches: async (folder) =>
    (folder.modelType === undefined || folder.modelType === "llava") &&
    (await hasOnnxStem(folder, "vision_encoder")),
  graphs: async (folder) => Object.values(await embedsGraphs(folder, NAME)),
  async load(folder, options) {
    const { files } = folder;
    const paths = await embedsGraphs(folder, NAME);
    const config = parseVlmConfig(folder.config, `${files.location}/config.json`);
    const preprocess = await loadPreprocessConfig(folder);
    const tokenizer = await loadVlmTokenizer(files);
    const defaults = generationDefaults(folder, tokenizer);
    const imageTokenId = resolveImageTokenId(config, tokenizer, "<image>", `${files.location}/config.json`);
    return withSessions(options, paths, async (s, release) => {
      checkLlava(s);
      const captionPrompt = options.captionPrompt ?? config.templates.caption ?? DEFAULT_CAPTION_PROMPT;
      const featureDims = s.vision.outputs[0]?.dims;
      const visionRows = typeof featureDims?.[1] === "number" ? featureDims[1] : undefined;
      // LlavaProcessor's settings: processor_config.json (transformers 5), else the legacy
      // preprocessor_config.json some exports carry them in.
      const processorFile = (await files.exists("processor_config.json"))
        ? "processor_config.json"
        : "preprocessor_config.json";
      const processorConfig = await readJson(files, processorFile, false);
      const processorLabel = `${files.location}/${processorFile}`;
      // LlavaProcessor counts image tokens from the processed pixel size (per image at prepare);
      // a fixed-size processor (crop or squash, every llava-hf one) is checked once here.
      const tokensFor = (size: { height: number; width: number }) =>
        llavaImageTokens(processorConfig, folder.config, size, visionRows, processorLabel);
      const fixed = preprocess.crop !== null || preprocess.resize.mode === "squash";
      const { height, width } = fixed ? outputSize(preprocess) : { height: 0, width: 0 };
      if (fixed) tokensFor({ height, width });
      const chatTemplate = (await readChatTemplate(files)) ?? defaultLlavaTemplate(files.location, {});
      const settings: Omit<LlavaPromptSettings, "imageTokens"> = {
        tokenizer,
        chatTemplate,
        promptTemplate: options.promptTemplate ?? config.templates.prompt,
        captionPrompt,
      };
      return {
        family: NAME,
        tokenizer,
        defaults,
        config,
        kinds: ["caption", "question", "chat"],
        tasks: [],
        prepare(request, index) {
          // Any number of images (a text-only chat has none): one vision call per batch takes them all.
          const data: PixelData =
            request.images.length === 0
              ? { pixels: new Float32Array(0), dims: [0, 3, height, width] }
              : requestPixels(request, index, preprocess, NAME, request.images.length);
          const [, , h, w] = data.dims as [number, number, number, number];
          const ids = llavaPromptIds(
            request,
            { ...settings, imageTokens: tokensFor({ height: h, width: w }) },
            index,
          );
          return { ids, positions: ids.length, batchKey: `${h}x${w}`, data };
        },
        start: (batch, useCache) => {
          const imagesPerRow = batch.map((b) => (b.data as PixelData).dims[0]!);
          return startLlava(
            s,
            imagesPerRow.some((n) => n > 0) ? stackPixels(batch) : null,
            batch.map((b) => b.ids),
            { useCache, hints: config.kv, imageTokenId, padTokenId: defaults.padTokenId ?? 0, imagesPerRow },
          );
        },
        release,
      };
    });
  },
};
