/**
 * The image-to-text encoder-decoder family (transformers.js `image-to-text`, VisionEncoderDecoder
 * such as vit-gpt2): `onnx/encoder_model` + `onnx/decoder_model_merged` (or `decoder_model`). A
 * question becomes a decoder prefix through the question template.
 */

import { ClipkitError } from "../../errors.js";
import { parseVlmConfig } from "../config.js";
import { checkEncoderDecoder, startEncoderDecoder } from "../encoder-decoder.js";
import type { VlmFamily } from "../family.js";
import {
  firstOnnxStem,
  generationDefaults,
  hasOnnxStem,
  loadPreprocessConfig,
  loadVlmTokenizer,
  onnxStem,
  withSessions,
} from "../folder.js";
import { requestPixels, stackPixels, unsupportedKind } from "../pixels.js";

const NAME = "encoder-decoder";

export const encoderDecoderFamily: VlmFamily = {
  name: NAME,
  summary:
    "image-to-text encoder-decoder (VisionEncoderDecoder, e.g. vit-gpt2): onnx/encoder_model + onnx/decoder_model_merged",
  matches: (folder) => hasOnnxStem(folder, "encoder_model"),
  graphs: async (folder) => [
    await onnxStem(folder, "encoder_model", NAME),
    await firstOnnxStem(folder, ["decoder_model_merged", "decoder_model"], NAME),
  ],
  async load(folder, options) {
    const { files } = folder;
    const [encoder, decoder] = (await encoderDecoderFamily.graphs(folder)) as [string, string];
    const config = parseVlmConfig(folder.config, `${files.location}/config.json`);
    const preprocess = await loadPreprocessConfig(folder);
    const tokenizer = await loadVlmTokenizer(files);
    const defaults = generationDefaults(folder, tokenizer);
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
    return withSessions(options, { encoder, decoder }, (s, release) => {
      checkEncoderDecoder(s);
      const template = options.questionTemplate ?? config.templates.question ?? "{question}";
      return {
        family: NAME,
        tokenizer,
        defaults,
        config,
        kinds: ["caption", "question"],
        tasks: [],
        prepare(request, index) {
          let ids: number[];
          if (request.kind === "caption") ids = [start];
          else if (request.kind === "question") {
            ids = [
              start,
              ...tokenizer.encode(template.replace("{question}", request.question), { truncation: false }),
            ];
          } else return unsupportedKind(NAME, request, index);
          const data = requestPixels(request, index, preprocess, NAME);
          return { ids, positions: ids.length, batchKey: `${ids.length}:${data.dims.join("x")}`, data };
        },
        start: (batch, useCache) =>
          startEncoderDecoder(
            s,
            stackPixels(batch),
            batch.map((b) => b.ids),
            { useCache, hints: config.kv },
          ),
        release,
      };
    });
  },
};
