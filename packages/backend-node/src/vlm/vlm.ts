/**
 * `loadVlm`: one Node object over any VLM family (captions, questions, chats, tasks) that takes
 * image paths, bytes or decoded pixels.
 */
import {
  type CaptionOptions,
  createVlm,
  type GenerationResult,
  iterate,
  type RawImage,
  type StreamChunk,
  type Vlm,
  type VlmChatOptions,
  type VlmGenerateOptions,
  type VlmRequest,
} from "@clipkit/core";
import type { ImageInput } from "../image/index.js";
import { decodeAt, decodeChat, type NodeChatMessage, type NodeVlmChat } from "./chat.js";
import { inChunks, type LoadVlmOptions, loadOptions } from "./load.js";

/** A VLM of any family that takes image paths, bytes or pixels; `chat` as {@link NodeVlmChat}. */
export interface NodeVlm extends NodeVlmChat {
  readonly family: string;
  readonly kinds: Vlm["kinds"];
  readonly tasks: readonly string[];
  /** Captions every image (decoded chunk by chunk, `batchSize` per call; `options.prompt` as in core). */
  caption(images: readonly ImageInput[], options?: CaptionOptions): Promise<GenerationResult[]>;
  /** Answers a question about one image, or several in prompt order. */
  ask(
    image: ImageInput | readonly ImageInput[],
    question: string,
    options?: VlmGenerateOptions,
  ): Promise<GenerationResult>;
  /** A Florence-2 style task on every image; `PROMPT_INVALID` when the model has no such task. */
  task(
    images: readonly ImageInput[],
    task: string,
    text?: string,
    options?: VlmGenerateOptions,
  ): Promise<GenerationResult[]>;
  release(): Promise<void>;
}

/**
 * Loads any supported VLM folder or hub repo id, detecting its family from config.json and the
 * files: `const vlm = await loadVlm("models/llava"); await vlm.chat([...])`. Unsupported folders
 * fail with `MODEL_LAYOUT_UNSUPPORTED` listing the families.
 */
export async function loadVlm(source: string, options: LoadVlmOptions = {}): Promise<NodeVlm> {
  const core = await createVlm(await loadOptions(source, options));
  const decodeAll = (images: readonly ImageInput[] | undefined, name: string) =>
    Promise.all((images ?? []).map((x, i) => decodeAt(x, `${name}[${i}]`, options)));
  const perImage = (
    images: readonly ImageInput[],
    o: VlmGenerateOptions | undefined,
    request: (image: RawImage) => VlmRequest,
  ) =>
    inChunks(
      images,
      options,
      (x) => x,
      (decoded, start) =>
        core.generate(decoded.map(request), {
          ...o,
          ...(o?.onChunk
            ? { onChunk: (c: StreamChunk) => o.onChunk?.({ ...c, input: c.input + start }) }
            : {}),
        }),
    );
  const chat = async (
    messages: readonly NodeChatMessage[],
    images?: readonly ImageInput[],
    o?: VlmChatOptions,
  ) => core.chat(await decodeChat(messages, options), await decodeAll(images, "images"), o);
  return {
    family: core.family,
    kinds: core.kinds,
    tasks: core.tasks,
    caption: (images, o = {}) => {
      const { prompt, ...rest } = o;
      return perImage(images, rest, (image) => ({
        kind: "caption",
        images: [image],
        ...(prompt === undefined ? {} : { prompt }),
      }));
    },
    ask: async (image, question, o) => {
      const list = Array.isArray(image) ? (image as readonly ImageInput[]) : [image as ImageInput];
      return core.ask(await decodeAll(list, "images"), question, o);
    },
    chat,
    chatStream: (messages, images, o) =>
      iterate<StreamChunk>((emit) => chat(messages, images, { ...o, onChunk: emit })),
    task: async (images, task, text, o) => {
      if (!core.tasks.includes(task)) return core.task([], task, text, o); // core's error names the tasks
      return perImage(images, o, (image) => ({
        kind: "task",
        images: [image],
        task,
        ...(text === undefined ? {} : { text }),
      }));
    },
    release: () => core.release(),
  };
}
