/**
 * `createVlm`: one object over any VLM family — captions, questions, chats and tasks — that
 * routes each call to the request kinds the detected family answers. `createCaptioner` /
 * `createVqa` are the task-shaped front-ends over the same model.
 */
import { ClipkitError } from "../errors.js";
import { iterate, type StreamChunk } from "../generation/stream.js";
import type { RawImage } from "../image/types.js";
import type { Tokenizer } from "../tokenizer/types.js";
import type { CaptionOptions } from "./captioner.js";
import { chatImages } from "./chat-template.js";
import type { ChatMessage, VlmModel, VlmRequest } from "./family.js";
import { loadVlmModel } from "./model.js";
import type { VlmLoadOptions } from "./options.js";
import { type GenerationResult, runVlm, type VlmGenerateOptions } from "./run.js";

/** Options of a chat turn. */
export interface VlmChatOptions extends VlmGenerateOptions {
  /** A system prompt placed before the messages (as a `{role: "system"}` text turn). */
  system?: string;
}

/**
 * The chat calls of {@link Vlm} and `Vqa` (and of the Node front-ends, over their message and
 * image types): `messages` in transformers' chat format, image parts carrying their `image` or
 * taking the next of `images`, in order (`chatImages`); the prompt is the folder's chat template
 * rendered with `add_generation_prompt`, `options.system` a system turn first. Families without
 * chat (encoder-decoder, PaliGemma) throw `PROMPT_INVALID`.
 */
export interface VlmChat<M = ChatMessage, I = RawImage> {
  chat(messages: readonly M[], images?: readonly I[], options?: VlmChatOptions): Promise<GenerationResult>;
  /** {@link VlmChat.chat}, streamed as `{ input, token, text }` chunks. */
  chatStream(
    messages: readonly M[],
    images?: readonly I[],
    options?: Omit<VlmChatOptions, "onChunk">,
  ): AsyncGenerator<StreamChunk>;
}

/** A loaded VLM of any family. */
export interface Vlm extends VlmChat {
  /** The detected family, e.g. `"llava"`, `"encoder-decoder"`, `"florence2"`. */
  readonly family: string;
  /** Request kinds it answers (`"caption"`, `"question"`, `"chat"`, `"task"`). */
  readonly kinds: readonly VlmRequest["kind"][];
  /** Florence-2 style task tokens (empty when the model has none). */
  readonly tasks: readonly string[];
  readonly tokenizer: Tokenizer;
  /** Runs any requests (one batch per family batch key); results in input order. */
  generate(requests: readonly VlmRequest[], options?: VlmGenerateOptions): Promise<GenerationResult[]>;
  /** Captions every image (`options.prompt`: BLIP's conditional text or a chat model's instruction). */
  caption(images: readonly RawImage[], options?: CaptionOptions): Promise<GenerationResult[]>;
  /** Answers a question about one image (or several, in prompt order). */
  ask(
    image: RawImage | readonly RawImage[],
    question: string,
    options?: VlmGenerateOptions,
  ): Promise<GenerationResult>;
  /**
   * Runs a task prompt (Florence-2 `"<OD>"`, `"<CAPTION_TO_PHRASE_GROUNDING>"` with `text`) on
   * every image; `structured` holds the family's parsed output. `PROMPT_INVALID` when the model
   * has no such task.
   */
  task(
    images: readonly RawImage[],
    task: string,
    text?: string,
    options?: VlmGenerateOptions,
  ): Promise<GenerationResult[]>;
  release(): Promise<void>;
}

/** Fails with `PROMPT_INVALID` naming the family when it does not answer `kind`. */
export function checkKind(model: VlmModel, kind: VlmRequest["kind"]): void {
  if (!model.kinds.includes(kind)) {
    throw new ClipkitError(
      "PROMPT_INVALID",
      `the ${model.family} model does not answer "${kind}" requests (it answers: ${model.kinds.join(", ")})`,
      { details: { family: model.family, kind, kinds: model.kinds } },
    );
  }
}

/** The request for one chat call (images collected from the parts, then `images`). */
export function chatRequest(
  messages: readonly ChatMessage[],
  images: readonly RawImage[] | undefined,
  system: string | undefined,
): VlmRequest {
  if (system !== undefined && typeof system !== "string") {
    throw new ClipkitError("PROMPT_INVALID", "system must be a string", { details: { argument: "system" } });
  }
  return {
    kind: "chat",
    images: chatImages(messages, images),
    messages,
    ...(system === undefined ? {} : { system }),
  };
}

/** Wraps a loaded {@link VlmModel}. */
export function vlmFrom(model: VlmModel): Vlm {
  const generate = (requests: readonly VlmRequest[], o?: VlmGenerateOptions) => {
    for (const r of new Set(requests.map((x) => x?.kind))) checkKind(model, r);
    return runVlm(model, requests, o);
  };
  const chat = async (
    messages: readonly ChatMessage[],
    images?: readonly RawImage[],
    o: VlmChatOptions = {},
  ) => {
    const { system, ...rest } = o;
    checkKind(model, "chat");
    return (await generate([chatRequest(messages, images, system)], rest))[0]!;
  };
  return {
    family: model.family,
    kinds: model.kinds,
    tasks: model.tasks,
    tokenizer: model.tokenizer,
    generate,
    caption: (images, o = {}) => {
      const { prompt, ...rest } = o;
      return generate(
        images.map((image) => ({
          kind: "caption",
          images: [image],
          ...(prompt === undefined ? {} : { prompt }),
        })),
        rest,
      );
    },
    ask: async (image, question, o) => {
      const images = Array.isArray(image) ? (image as readonly RawImage[]) : [image as RawImage];
      return (await generate([{ kind: "question", images, question }], o))[0]!;
    },
    chat,
    chatStream: (messages, images, o) =>
      iterate<StreamChunk>((emit) => chat(messages, images, { ...o, onChunk: emit })),
    task: async (images, task, text, o) => {
      if (!model.tasks.includes(task)) {
        throw new ClipkitError(
          "PROMPT_INVALID",
          model.tasks.length === 0
            ? `the ${model.family} model has no tasks (task prompts are a Florence-2 feature)`
            : `the ${model.family} model has no task ${JSON.stringify(task)}; it knows ${model.tasks.join(" ")}`,
          { details: { argument: "task", task, tasks: model.tasks, family: model.family } },
        );
      }
      return generate(
        images.map((image) => ({
          kind: "task",
          images: [image],
          task,
          ...(text === undefined ? {} : { text }),
        })),
        o,
      );
    },
    release: () => model.release(),
  };
}

/**
 * Loads any supported VLM folder (the family is detected from config.json and the files; see
 * `VLM_FAMILIES`): `const vlm = await createVlm({ backend, files })`. Throws
 * `MODEL_LAYOUT_UNSUPPORTED` listing the families when none matches.
 */
export async function createVlm(options: VlmLoadOptions): Promise<Vlm> {
  return vlmFrom(await loadVlmModel(options));
}
