/**
 * The LLaVA family (transformers.js llava layout): `onnx/vision_encoder` (vision tower +
 * projector), `onnx/embed_tokens`, and a decoder on `inputs_embeds`. The prompt template puts the
 * image placeholder where the projected image features go.
 */
import type { InferenceSession } from "../../backend/session.js";
import { ClipkitError } from "../../errors.js";
import { parseVlmConfig } from "../config.js";
import type { VlmFamily } from "../family.js";
import {
  firstOnnxStem,
  generationDefaults,
  hasOnnxStem,
  loadPreprocessConfig,
  loadVlmTokenizer,
  onnxStem,
  openSession,
} from "../folder.js";
import { checkLlava, type LlavaSessions, startLlava } from "../llava.js";
import { requestPixels, stackPixels, unsupportedKind } from "../pixels.js";

const NAME = "llava";
const DEFAULT_TEMPLATE = "USER: <image>\n{prompt} ASSISTANT:";
const DEFAULT_CAPTION_PROMPT = "Describe the image.";

export const llavaFamily: VlmFamily = {
  name: NAME,
  summary: "LLaVA (model_type llava): onnx/vision_encoder + onnx/embed_tokens + onnx/decoder_model_merged",
  matches: async (folder) =>
    (folder.modelType === undefined || folder.modelType === "llava") &&
    (await hasOnnxStem(folder, "vision_encoder")),
  graphs: async (folder) => [
    await onnxStem(folder, "vision_encoder", NAME),
    await onnxStem(folder, "embed_tokens", NAME),
    await firstOnnxStem(folder, ["decoder_model_merged", "decoder_model"], NAME),
  ],
  async load(folder, options) {
    const { files } = folder;
    const [visionPath, embedPath, decoderPath] = (await llavaFamily.graphs(folder)) as [
      string,
      string,
      string,
    ];
    const config = parseVlmConfig(folder.config, `${files.location}/config.json`);
    const preprocess = await loadPreprocessConfig(folder);
    const tokenizer = await loadVlmTokenizer(files);
    const defaults = generationDefaults(folder, tokenizer);
    const imageTokenId = config.imageTokenId ?? tokenizer.tokenToId("<image>");
    if (imageTokenId === undefined) {
      throw new ClipkitError(
        "MODEL_CONFIG_INVALID",
        `${files.location}/config.json: no image_token_index and no <image> token`,
        { details: { file: `${files.location}/config.json` } },
      );
    }
    const opened: InferenceSession[] = [];
    const release = async () => {
      await Promise.all(opened.map((s) => s.release()));
    };
    try {
      const s: LlavaSessions = {
        vision: await openSession(options, visionPath, opened),
        embed: await openSession(options, embedPath, opened),
        decoder: await openSession(options, decoderPath, opened),
        labels: {
          vision: `${files.location}/${visionPath}`,
          embed: `${files.location}/${embedPath}`,
          decoder: `${files.location}/${decoderPath}`,
        },
      };
      checkLlava(s);
      const template = options.promptTemplate ?? config.templates.prompt ?? DEFAULT_TEMPLATE;
      const captionPrompt = options.captionPrompt ?? config.templates.caption ?? DEFAULT_CAPTION_PROMPT;
      const featureDims = s.vision.outputs[0]?.dims;
      const nImage = typeof featureDims?.[1] === "number" ? featureDims[1] : 0;
      const promptIds = (text: string) => {
        const ids = tokenizer.encode(template.replace("{prompt}", text), { truncation: false });
        // Llama-style files add BOS in their post-processor (as LlavaProcessor's tokenizer does);
        // a tokenizer that does not gets it prepended here, never twice.
        const bos = tokenizer.bosTokenId;
        if (bos !== undefined && bos !== tokenizer.eosTokenId && ids[0] !== bos) ids.unshift(bos);
        return ids;
      };
      return {
        family: NAME,
        tokenizer,
        defaults,
        config,
        kinds: ["caption", "question"],
        tasks: [],
        prepare(request, index) {
          let ids: number[];
          if (request.kind === "caption") ids = promptIds(request.prompt ?? captionPrompt);
          else if (request.kind === "question") ids = promptIds(request.question);
          else return unsupportedKind(NAME, request, index);
          const data = requestPixels(request, index, preprocess, NAME);
          return { ids, positions: ids.length - 1 + nImage, batchKey: data.dims.join("x"), data };
        },
        start: (batch, useCache) =>
          startLlava(
            s,
            stackPixels(batch),
            batch.map((b) => b.ids),
            { useCache, hints: config.kv, imageTokenId, padTokenId: defaults.padTokenId ?? 0 },
          ),
        release,
      };
    } catch (error) {
      await release();
      throw error;
    }
  },
};
