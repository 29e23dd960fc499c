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
import type { InferenceSession, Tensor } from "../../backend/session.js";
import { expectTensor, tensor } from "../../backend/tensor.js";
import { ClipkitError } from "../../errors.js";
import { parsePreprocessorConfig } from "../../image/config.js";
import { preprocessBatch } from "../../image/preprocess.js";
import { parseVlmConfig } from "../config.js";
import type { PreparedRequest, VlmFamily, VlmFolder, VlmModel, VlmRequest } from "../family.js";
import {
  firstOnnxStem,
  generationDefaults,
  loadVlmTokenizer,
  needTensors,
  onnxStem,
  openSession,
  readImageProcessorConfig,
} from "../folder.js";
import type { VlmLoadOptions } from "../model.js";
import { int64Rows, onesInt64 } from "../tensors.js";
import { blipDecoder } from "./blip-decoder.js";
import { blipTokenIds, captionPrefix } from "./blip-prompt.js";

/** What `prepare` hands to `start`: one image's pixels and, for VQA, the question ids. */
interface BlipData {
  readonly pixels: Float32Array;
  readonly dims: readonly number[];
  readonly question: readonly number[] | undefined;
}

const CAPTION = "BlipForConditionalGeneration";
const VQA = "BlipForQuestionAnswering";

function isVqa(folder: VlmFolder): boolean {
  return folder.architectures.includes(VQA);
}

async function loadBlip(folder: VlmFolder, options: VlmLoadOptions): Promise<VlmModel> {
  const { files } = folder;
  const vqa = isVqa(folder);
  const configFile = `${files.location}/config.json`;
  const config = parseVlmConfig(folder.config, configFile);
  const tokenizer = await loadVlmTokenizer(files);
  const ids = blipTokenIds(config.text, tokenizer, configFile);
  const preprocess = parsePreprocessorConfig(await readImageProcessorConfig(files), { modelType: "blip" });
  const base = generationDefaults(folder, tokenizer);
  // Both generate overrides pass eos = sep_token_id and pad = pad_token_id to the text decoder.
  const defaults = { ...base, eosTokenIds: [ids.sep], padTokenId: ids.pad };
  const visionPath = await onnxStem(folder, "vision_model");
  const encoderPath = vqa ? await onnxStem(folder, "text_encoder") : undefined;
  const decoderPath = await firstOnnxStem(folder, ["decoder_model_merged", "decoder_model"]);
  const label = (path: string) => `${files.location}/${path}`;
  const opened: InferenceSession[] = [];
  const release = async () => {
    await Promise.all(opened.map((s) => s.release()));
  };
  try {
    const vision = await openSession(options, visionPath, opened);
    const encoder = encoderPath === undefined ? undefined : await openSession(options, encoderPath, opened);
    const decoder = await openSession(options, decoderPath, opened);
    needTensors(vision, label(visionPath), ["pixel_values"], "inputs");
    needTensors(vision, label(visionPath), ["last_hidden_state"], "outputs");
    if (encoder && encoderPath) {
      needTensors(
        encoder,
        label(encoderPath),
        ["input_ids", "attention_mask", "encoder_hidden_states"],
        "inputs",
      );
      needTensors(encoder, label(encoderPath), ["last_hidden_state"], "outputs");
    }
    needTensors(decoder, label(decoderPath), ["input_ids", "encoder_hidden_states"], "inputs");
    needTensors(decoder, label(decoderPath), ["logits"], "outputs");
    const kinds: VlmRequest["kind"][] = vqa ? ["question"] : ["caption"];

    const prepare = (request: VlmRequest, index: number): PreparedRequest => {
      if (!kinds.includes(request.kind)) {
        throw new ClipkitError(
          "PROMPT_INVALID",
          `request ${index}: a BLIP ${vqa ? "VQA" : "captioning"} model answers ${kinds.join(", ")} requests, not "${request.kind}"`,
          { details: { argument: `requests[${index}]`, family: "blip", kind: request.kind } },
        );
      }
      if (request.images.length !== 1) {
        throw new ClipkitError(
          "PROMPT_INVALID",
          `request ${index}: BLIP takes exactly one image, got ${request.images.length}`,
          { details: { argument: `requests[${index}].images`, family: "blip" } },
        );
      }
      const batch = preprocessBatch(request.images, preprocess);
      if (request.kind === "question") {
        // BlipProcessor: [CLS] question [SEP]; the answer decoder starts from [DEC] alone.
        const question = tokenizer.encode(request.question, { truncation: false });
        const data: BlipData = { pixels: batch.data, dims: batch.dims, question };
        return { ids: [ids.bos], positions: 1, batchKey: `question:${question.length}`, data };
      }
      const prefix =
        request.kind === "caption" && request.prompt !== undefined
          ? captionPrefix(tokenizer.encode(request.prompt, { truncation: false }), ids.bos)
          : [ids.bos];
      const data: BlipData = { pixels: batch.data, dims: batch.dims, question: undefined };
      return { ids: prefix, positions: prefix.length, batchKey: `caption:${prefix.length}`, data };
    };

    const start = async (batch: readonly PreparedRequest[], useCache: boolean) => {
      const rows = batch.map((b) => b.data as BlipData);
      const [, c, h, w] = rows[0]!.dims as [number, number, number, number];
      const pixels = new Float32Array(rows.length * c * h * w);
      rows.forEach((r, i) => {
        pixels.set(r.pixels, i * c * h * w);
      });
      const out = await vision.run({ pixel_values: tensor("float32", pixels, [rows.length, c, h, w]) }, [
        "last_hidden_state",
      ]);
      let hidden: Tensor<"float32"> = expectTensor(out, "last_hidden_state", "float32", 3, label(visionPath));
      if (encoder && encoderPath) {
        const questions = rows.map((r) => r.question ?? []);
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

    return {
      family: "blip",
      tokenizer,
      defaults,
      config,
      kinds,
      tasks: [],
      prepare,
      start,
      release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** The BLIP family: config.json `model_type: "blip"` (captioning or VQA architecture). */
export const blipFamily: VlmFamily = {
  name: "blip",
  summary: `blip (${CAPTION}: onnx/vision_model + onnx/decoder_model_merged; ${VQA}: + onnx/text_encoder)`,
  async matches(folder) {
    return (
      folder.modelType === "blip" ||
      folder.architectures.includes(CAPTION) ||
      folder.architectures.includes(VQA)
    );
  },
  load: loadBlip,
};
