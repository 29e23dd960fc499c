/** `createCaptioner`: image → text, for every VLM family. */
import { iterate, type StreamChunk } from "../generation/stream.js";
import type { GenerationOptions } from "../generation/types.js";
import type { RawImage } from "../image/types.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { loadVlmModel } from "./model.js";
import type { VlmLoadOptions } from "./options.js";
import { type GenerationResult, runVlm, type VlmGenerateOptions } from "./run.js";

/** Options of one captioning call. */
export interface CaptionOptions extends VlmGenerateOptions {
  /** Conditional captioning text (BLIP's "a picture of") or, for chat models, the instruction. */
  prompt?: string;
}

/** A loaded captioning model. */
export interface Captioner {
  /** The model family (`"encoder-decoder"`, `"llava"`, …). */
  readonly family: string;
  readonly tokenizer: Tokenizer;
  /** Captions every image (one batch); results are in input order. */
  caption(images: readonly RawImage[], options?: CaptionOptions): Promise<GenerationResult[]>;
  /** Streams tokens and text deltas of every image's caption as they are generated. */
  captionStream(
    images: readonly RawImage[],
    options?: GenerationOptions & { prompt?: string },
  ): AsyncGenerator<StreamChunk>;
  /** Frees the sessions. */
  release(): Promise<void>;
}

/**
 * Loads a captioning model of any registered family (an encoder-decoder is prompted with its
 * start token; an instruction-following model with `captionPrompt`). Inject the backend and the
 * files: `createCaptioner({ backend: nodeBackend(), files: nodeFiles(dir) })`.
 */
export async function createCaptioner(options: VlmLoadOptions): Promise<Captioner> {
  const model = await loadVlmModel(options);
  const caption = (images: readonly RawImage[], o: CaptionOptions = {}) => {
    const { prompt, ...rest } = o;
    return runVlm(
      model,
      images.map((image) => ({
        kind: "caption",
        images: [image],
        ...(prompt === undefined ? {} : { prompt }),
      })),
      rest,
    );
  };
  return {
    family: model.family,
    tokenizer: model.tokenizer,
    caption,
    captionStream: (images, o) => iterate<StreamChunk>((emit) => caption(images, { ...o, onChunk: emit })),
    release: () => model.release(),
  };
}
