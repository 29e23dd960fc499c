/**
 * Loading shared by the VLM families whose decoder takes `inputs_embeds` (the transformers.js
 * layout of LLaVA, Qwen2-VL, Idefics3 / SmolVLM and PaliGemma): the graphs `vision_encoder`,
 * `embed_tokens` and `decoder_model_merged` (else `decoder_model`), opened together, and the
 * tensors every such family feeds. The generation loop over them is `embeds-decoder.ts`.
 */
import type { InferenceSession } from "../../backend/session.js";
import type { VlmFolder } from "../family.js";
import { firstOnnxStem, needTensors, onnxStem, withSessions } from "../folder.js";
import type { VlmLoadOptions } from "../options.js";

/** The graph paths of an `inputs_embeds` folder, in the folder's dtype. */
export interface EmbedsPaths {
  readonly vision: string;
  readonly embed: string;
  readonly decoder: string;
}

/** The three sessions of an `inputs_embeds` folder and their file labels. */
export interface EmbedsSessions {
  readonly vision: InferenceSession;
  readonly embed: InferenceSession;
  readonly decoder: InferenceSession;
  readonly labels: { readonly vision: string; readonly embed: string; readonly decoder: string };
}

/** What a family's graphs take beyond the checks every `inputs_embeds` family needs. */
export interface EmbedsTensors {
  /** `vision_encoder` inputs, e.g. `["pixel_values", "grid_thw"]`. */
  readonly vision: readonly string[];
  /** Decoder inputs besides `inputs_embeds` and `attention_mask` (Qwen2-VL's `position_ids`). */
  readonly decoder?: readonly string[];
}

/** The folder's three graphs (merged decoder before plain), or `MODEL_FILE_MISSING` naming `family`. */
export async function embedsGraphs(folder: VlmFolder, family: string): Promise<EmbedsPaths> {
  return {
    vision: await onnxStem(folder, "vision_encoder", family),
    embed: await onnxStem(folder, "embed_tokens", family),
    decoder: await firstOnnxStem(folder, ["decoder_model_merged", "decoder_model"], family),
  };
}

/**
 * Opens `paths` (see `withSessions`: released if anything fails), checks the tensors —
 * `vision_encoder` (`need.vision`) → `image_features`, `embed_tokens` `input_ids` →
 * `inputs_embeds`, the decoder on `inputs_embeds` + `attention_mask` (+ `need.decoder`) →
 * `logits`; `MODEL_TENSOR_MISSING` naming the file otherwise — and hands them to `build`.
 */
export function withEmbedsSessions<T>(
  options: VlmLoadOptions,
  paths: EmbedsPaths,
  need: EmbedsTensors,
  build: (sessions: EmbedsSessions, release: () => Promise<void>) => T | Promise<T>,
): Promise<T> {
  return withSessions(options, paths, (s, release) => {
    needTensors(s.vision, s.labels.vision, need.vision, "inputs");
    needTensors(s.vision, s.labels.vision, ["image_features"], "outputs");
    needTensors(s.embed, s.labels.embed, ["input_ids"], "inputs");
    needTensors(s.embed, s.labels.embed, ["inputs_embeds"], "outputs");
    const decoderInputs = ["inputs_embeds", "attention_mask", ...(need.decoder ?? [])];
    needTensors(s.decoder, s.labels.decoder, decoderInputs, "inputs");
    needTensors(s.decoder, s.labels.decoder, ["logits"], "outputs");
    return build(s, release);
  });
}
