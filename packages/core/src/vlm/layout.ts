/**
 * Which VLM layout a model folder holds, decided from its files (and checked against config.json).
 * Resolution is kept apart from construction: this file only names files.
 */
import type { ModelFiles } from "../backend/session.js";
import { ClipkitError } from "../errors.js";

/** The two supported hub layouts. */
export type VlmLayout =
  | {
      /** transformers.js `image-to-text` (VisionEncoderDecoder, e.g. vit-gpt2). */
      readonly kind: "encoder-decoder";
      readonly encoder: string;
      readonly decoder: string;
    }
  | {
      /** transformers.js llava: vision tower + projector, token embeddings, decoder on embeddings. */
      readonly kind: "llava";
      readonly vision: string;
      readonly embed: string;
      readonly decoder: string;
    };

const ENC_DEC = {
  encoder: "onnx/encoder_model.onnx",
  decoders: ["onnx/decoder_model_merged.onnx", "onnx/decoder_model.onnx"],
};
const LLAVA = {
  vision: "onnx/vision_encoder.onnx",
  embed: "onnx/embed_tokens.onnx",
  decoders: ["onnx/decoder_model_merged.onnx", "onnx/decoder_model.onnx"],
};

async function firstExisting(files: ModelFiles, paths: readonly string[]): Promise<string | undefined> {
  for (const p of paths) if (await files.exists(p)) return p;
  return undefined;
}

/**
 * Detects the layout of `files`. A folder with `onnx/vision_encoder.onnx` is LLaVA-style, one
 * with `onnx/encoder_model.onnx` encoder-decoder. Fails with `MODEL_FILE_MISSING` naming the
 * missing file of a recognised but incomplete layout, and `MODEL_LAYOUT_UNSUPPORTED` otherwise.
 */
export async function detectVlmLayout(files: ModelFiles): Promise<VlmLayout> {
  const missing = (path: string, layout: string): never => {
    throw new ClipkitError("MODEL_FILE_MISSING", `${files.location}: ${layout} model without ${path}`, {
      details: { file: `${files.location}/${path}` },
    });
  };
  if (await files.exists(LLAVA.vision)) {
    if (!(await files.exists(LLAVA.embed))) missing(LLAVA.embed, "LLaVA-style");
    const decoder =
      (await firstExisting(files, LLAVA.decoders)) ?? missing(LLAVA.decoders[0]!, "LLaVA-style");
    return { kind: "llava", vision: LLAVA.vision, embed: LLAVA.embed, decoder };
  }
  if (await files.exists(ENC_DEC.encoder)) {
    const decoder =
      (await firstExisting(files, ENC_DEC.decoders)) ?? missing(ENC_DEC.decoders[0]!, "encoder-decoder");
    return { kind: "encoder-decoder", encoder: ENC_DEC.encoder, decoder };
  }
  throw new ClipkitError(
    "MODEL_LAYOUT_UNSUPPORTED",
    `${files.location}: not a captioning/VQA model folder: expected ${ENC_DEC.encoder} + ${ENC_DEC.decoders[0]} (image-to-text) or ${LLAVA.vision} + ${LLAVA.embed} + ${LLAVA.decoders[0]} (LLaVA)`,
    { details: { file: files.location } },
  );
}
