/** `createVqa`: visual question answering for every VLM family. */

import { ClipkitError } from "../errors.js";
import { iterate, type StreamChunk } from "../generation/stream.js";
import type { GenerationOptions } from "../generation/types.js";
import type { RawImage } from "../image/types.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { loadVlmModel } from "./model.js";
import type { VlmLoadOptions } from "./options.js";
import { type GenerationResult, runVlm, type VlmGenerateOptions } from "./run.js";
import { type VlmChat, vlmFrom } from "./vlm.js";

/** One image-question pair. */
export interface VqaItem {
  readonly image: RawImage;
  readonly question: string;
}

/** A loaded VQA model; `chat` answers the last user turn of a conversation ({@link VlmChat}). */
export interface Vqa extends VlmChat {
  /** The model family (`"encoder-decoder"`, `"llava"`, …). */
  readonly family: string;
  readonly tokenizer: Tokenizer;
  /** Answers one question about one image. */
  ask(image: RawImage, question: string, options?: VlmGenerateOptions): Promise<GenerationResult>;
  /** Answers several pairs; prompts of different lengths share a batch where the family allows. */
  askMany(items: readonly VqaItem[], options?: VlmGenerateOptions): Promise<GenerationResult[]>;
  /** Streams the answer's tokens and text deltas. */
  askStream(image: RawImage, question: string, options?: GenerationOptions): AsyncGenerator<StreamChunk>;
  release(): Promise<void>;
}

function checkQuestion(question: unknown, i: number): string {
  if (typeof question !== "string" || question.trim() === "") {
    throw new ClipkitError("PROMPT_INVALID", `question ${i} must be a non-empty string`, {
      details: { argument: `questions[${i}]` },
    });
  }
  return question;
}

/**
 * Loads a VQA model of any registered family. Encoder-decoder models get the question as decoder
 * prefix (through `questionTemplate`); LLaVA models get it through their chat template (or
 * `promptTemplate`) after the image.
 */
export async function createVqa(options: VlmLoadOptions): Promise<Vqa> {
  const model = await loadVlmModel(options);
  const askMany = (items: readonly VqaItem[], o?: VlmGenerateOptions) =>
    runVlm(
      model,
      items.map((x, i) => ({ kind: "question", images: [x.image], question: checkQuestion(x.question, i) })),
      o,
    );
  const ask = async (image: RawImage, question: string, o?: VlmGenerateOptions) =>
    (await askMany([{ image, question }], o))[0]!;
  const vlm = vlmFrom(model);
  return {
    family: model.family,
    tokenizer: model.tokenizer,
    ask,
    askMany,
    askStream: (image, question, o) =>
      iterate<StreamChunk>((emit) => ask(image, question, { ...o, onChunk: emit })),
    chat: vlm.chat,
    chatStream: vlm.chatStream,
    release: () => model.release(),
  };
}
