/** `createCaptioner`: image → text for both VLM layouts. */
import { iterate, type StreamChunk } from "../generation/stream.js";
import type { GenerationOptions } from "../generation/types.js";
import type { RawImage } from "../image/types.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { loadVlmModel, type VlmLoadOptions } from "./model.js";
import { type GenerationResult, runVlm, type VlmGenerateOptions } from "./run.js";

/** A loaded captioning model. */
export interface Captioner {
  /** `"encoder-decoder"` (image-to-text) or `"llava"`. */
  readonly layout: "encoder-decoder" | "llava";
  readonly tokenizer: Tokenizer;
  /** Captions every image (one batch); results are in input order. */
  caption(images: readonly RawImage[], options?: VlmGenerateOptions): Promise<GenerationResult[]>;
  /** Streams tokens and text deltas of every image's caption as they are generated. */
  captionStream(images: readonly RawImage[], options?: GenerationOptions): AsyncGenerator<StreamChunk>;
  /** Frees the sessions. */
  release(): Promise<void>;
}

/**
 * Loads a captioning model (`encoder_model` + `decoder_model_merged`, or a LLaVA folder, which
 * is prompted with `captionPrompt`). Inject the backend and the files:
 * `createCaptioner({ backend: nodeBackend(), files: nodeFiles(dir) })`.
 */
export async function createCaptioner(options: VlmLoadOptions): Promise<Captioner> {
  const model = await loadVlmModel(options);
  const caption = (images: readonly RawImage[], o?: VlmGenerateOptions) =>
    runVlm(
      model,
      images,
      images.map(() => model.promptIds(undefined)),
      o,
    );
  return {
    layout: model.layout,
    tokenizer: model.tokenizer,
    caption,
    captionStream: (images, o) => iterate<StreamChunk>((emit) => caption(images, { ...o, onChunk: emit })),
    release: () => model.release(),
  };
}
