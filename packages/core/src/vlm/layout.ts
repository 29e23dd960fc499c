/**
 * Which VLM layout a model folder holds, decided from its files (and checked against config.json).
 * Resolution is kept apart from construction: this file only names files.
 */
import type { ModelFiles } from "../backend/session.js";
import { ClipkitError } from "../errors.js";
import { type ModelDtype, onnxPath } from "../model/dtype.js";

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

/** Graph stems of each layout (`onnx/<stem><dtype suffix>.onnx`), merged decoder first. */
const ENC_DEC = { encoder: "encoder_model", decoders: ["decoder_model_merged", "decoder_model"] };
const LLAVA = {
  vision: "vision_encoder",
  embed: "embed_tokens",
  decoders: ["decoder_model_merged", "decoder_model"],
};

async function firstExisting(files: ModelFiles, paths: readonly string[]): Promise<string | undefined> {
  for (const p of paths) if (await files.exists(p)) return p;
  return undefined;
}

/**
 * Detects the layout of `files`. A folder with `onnx/vision_encoder*.onnx` is LLaVA-style, one
 * with `onnx/encoder_model*.onnx` encoder-decoder; `dtype` picks the weight variant the
 * transformers.js way (`fp16` → `onnx/encoder_model_fp16.onnx`, `quantized` →
 * `…_quantized.onnx`; default `fp32`, the plain names). Fails with `MODEL_FILE_MISSING` naming the
 * missing file of a recognised but incomplete layout (or variant), and
 * `MODEL_LAYOUT_UNSUPPORTED` otherwise.
 */
export async function detectVlmLayout(files: ModelFiles, dtype: ModelDtype = "fp32"): Promise<VlmLayout> {
  const missing = (path: string, layout: string): never => {
    throw new ClipkitError("MODEL_FILE_MISSING", `${files.location}: ${layout} model without ${path}`, {
      details: { file: `${files.location}/${path}`, dtype },
    });
  };
  const path = (stem: string) => onnxPath(stem, dtype);
  const present = async (stem: string) =>
    (await files.exists(onnxPath(stem, "fp32"))) || (await files.exists(path(stem)));
  const need = async (stem: string, layout: string) =>
    (await files.exists(path(stem))) ? path(stem) : missing(path(stem), layout);
  const decoder = async (stems: readonly string[], layout: string) =>
    (await firstExisting(files, stems.map(path))) ?? missing(path(stems[0]!), layout);
  if (await present(LLAVA.vision)) {
    const vision = await need(LLAVA.vision, "LLaVA-style");
    const embed = await need(LLAVA.embed, "LLaVA-style");
    return { kind: "llava", vision, embed, decoder: await decoder(LLAVA.decoders, "LLaVA-style") };
  }
  if (await present(ENC_DEC.encoder)) {
    const encoder = await need(ENC_DEC.encoder, "encoder-decoder");
    return { kind: "encoder-decoder", encoder, decoder: await decoder(ENC_DEC.decoders, "encoder-decoder") };
  }
  throw new ClipkitError(
    "MODEL_LAYOUT_UNSUPPORTED",
    `${files.location}: not a captioning/VQA model folder: expected ${path(ENC_DEC.encoder)} + ${path(ENC_DEC.decoders[0]!)} (image-to-text) or ${path(LLAVA.vision)} + ${path(LLAVA.embed)} + ${path(LLAVA.decoders[0]!)} (LLaVA)`,
    { details: { file: files.location } },
  );
}
