/**
 * BLIP (Salesforce): `BlipForConditionalGeneration` captioning, unconditional or continuing a
 * text prefix ("a picture of"), and `BlipForQuestionAnswering` VQA (question encoder with
 * image cross-attention, then the answer decoder). Processing follows transformers'
 * `BlipProcessor` (BlipImageProcessor + BERT WordPiece tokenizer) and the two models' own
 * `generate` overrides.
 *
 * Layout: neither transformers.js nor Optimum exports BLIP, so the files are named after the
 * model's submodules, Optimum style: `onnx/vision_model.onnx` (pixel_values → last_hidden_state),
 * `onnx/text_encoder.onnx` (VQA: input_ids, attention_mask, encoder_hidden_states →
 * last_hidden_state) and `onnx/decoder_model_merged.onnx` (the text decoder with
 * `past_key_values.*` and `use_cache_branch`; a plain `decoder_model.onnx` also works, without
 * cache). tools/fixtures/blip/build.py writes this layout from the real classes.
 */
import type { Tensor } from "../../backend/session.js";
import { expectTensor } from "../../backend/tensor.js";
import { parseVlmConfig } from "../config.js";
import type {
  PreparedRequest,
  VlmFamily,
  VlmFolder,
  VlmModel,
  VlmRequest,
  VlmRequestKind,
} from "../family.js";
import {
  firstOnnxStem,
  generationDefaults,
  loadPreprocessConfig,
  loadVlmTokenizer,
  needTensors,
  onnxStem,
  withSessions,
} from "../folder.js";
import type { VlmLoadOptions } from "../options.js";
import { type PixelData, requestPixels, stackPixels, unsupportedKind } from "../pixels.js";
import { int64Rows, onesInt64 } from "../tensors.js";
import { blipDecoder } from "./blip-decoder.js";
import { blipTokenIds, captionPrefix } from "./blip-prompt.js";

/** What `prepare` hands to `start`: one image's pixels and, for VQA, the question ids. */
interface BlipData extends PixelData {
  /** `[CLS] question [SEP]`, as BlipProcessor tokenizes it (VQA only). */
  readonly question: readonly number[] | undefined;
}

const NAME = "blip";
const CAPTION = "BlipForConditionalGeneration";
const VQA = "BlipForQuestionAnswering";

const isVqa = (folder: VlmFolder) => folder.architectures.includes(VQA);

/** The graphs of a BLIP folder: vision tower, [question encoder,] text decoder. */
async function blipGraphs(folder: VlmFolder): Promise<string[]> {
  return [
    await onnxStem(folder, "vision_model", NAME),
    ...(isVqa(folder) ? [await onnxStem(folder, "text_encoder", NAME)] : []),
    await firstOnnxStem(folder, ["decoder_model_merged", "decoder_model"], NAME),
  ];
}

async function loadBlip(folder: VlmFolder, options: VlmLoadOptions): Promise<VlmModel> {
  const { files } = folder;
  const vqa = isVqa(folder);
  const configFile = `${files.location}/config.json`;
  const config = parseVlmConfig(folder.config, configFile);
  const tokenizer = await loadVlmTokenizer(files);
  const ids = blipTokenIds(config.text, tokenizer, configFile);
  const preprocess = await loadPreprocessConfig(folder);
  // Both generate overrides pass eos = sep_token_id and pad = pad_token_id to the text decoder.
  const defaults = { ...generationDefaults(folder, tokenizer), eosTokenIds: [ids.sep], padTokenId: ids.pad };
  const graphs = await blipGraphs(folder);
  const visionPath = graphs[0]!;
  const encoderPath = vqa ? graphs[1] : undefined;
  const decoderPath = graphs[graphs.length - 1]!;
  const label = (path: string) => `${files.location}/${path}`;
  const paths = { vision: visionPath, encoder: encoderPath, decoder: decoderPath };
  return withSessions(options, paths, (s, release) => {
    const { vision, encoder, decoder } = s;
    needTensors(vision, label(visionPath), ["pixel_values"], "inputs");
    needTensors(vision, label(visionPath), ["last_hidden_state"], "outputs");
    if (encoder && encoderPath) {
      const inputs = ["input_ids", "attention_mask", "encoder_hidden_states"];
      needTensors(encoder, label(encoderPath), inputs, "inputs");
      needTensors(encoder, label(encoderPath), ["last_hidden_state"], "outputs");
    }
    needTensors(decoder, label(decoderPath), ["input_ids", "encoder_hidden_states"], "inputs");
    needTensors(decoder, label(decoderPath), ["logits"], "outputs");
    const kinds: VlmRequestKind[] = vqa ? ["question"] : ["caption"];

    const prepare = (request: VlmRequest, index: number): PreparedRequest => {
      if (!kinds.includes(request.kind))
        return unsupportedKind(`BLIP ${vqa ? "VQA" : "captioning"}`, request, index);
      const pixels = requestPixels(request, index, preprocess, NAME);
      if (request.kind === "question") {
        // BlipProcessor: [CLS] question [SEP]; the answer decoder starts from [DEC] alone.
        const question = tokenizer.encode(request.question, { truncation: false });
        const data: BlipData = { ...pixels, question };
        return { ids: [ids.bos], positions: 1, batchKey: `question:${question.length}`, data };
      }
      const prefix =
        request.kind === "caption" && request.prompt !== undefined
          ? captionPrefix(tokenizer.encode(request.prompt, { truncation: false }), ids.bos)
          : [ids.bos];
      const data: BlipData = { ...pixels, question: undefined };
      return { ids: prefix, positions: prefix.length, batchKey: `caption:${prefix.length}`, data };
    };

    const start = async (batch: readonly PreparedRequest[], useCache: boolean) => {
      const out = await vision.run({ pixel_values: stackPixels(batch) }, ["last_hidden_state"]);
      let hidden: Tensor<"float32"> = expectTensor(out, "last_hidden_state", "float32", 3, label(visionPath));
      if (encoder && encoderPath) {
        // BlipForQuestionAnswering.generate: the question attends to the image; its states
        // (mask all ones) are what the answer decoder cross-attends to.
        const questions = batch.map((b) => (b.data as BlipData).question ?? []);
        const encoded = await encoder.run(
          {
            input_ids: int64Rows(questions),
            attention_mask: onesInt64(questions.length, questions[0]!.length),
            encoder_hidden_states: hidden,
          },
          ["last_hidden_state"],
        );
        hidden = expectTensor(encoded, "last_hidden_state", "float32", 3, label(encoderPath));
      }
      return blipDecoder(
        decoder,
        hidden,
        batch.map((b) => b.ids),
        { useCache, hints: config.kv, label: label(decoderPath) },
      );
    };

    return { family: NAME, tokenizer, defaults, config, kinds, tasks: [], prepare, start, release };
  });
}

/** The BLIP family: config.json `model_type: "blip"` or a BLIP captioning/VQA architecture. */
export const blipFamily: VlmFamily = {
  name: NAME,
  summary: `blip (${CAPTION}: onnx/vision_model + onnx/decoder_model_merged; ${VQA}: + onnx/text_encoder)`,
  matches: async (folder) =>
    folder.modelType === "blip" ||
    folder.architectures.includes(CAPTION) ||
    folder.architectures.includes(VQA),
  graphs: blipGraphs,
  load: loadBlip,
};
