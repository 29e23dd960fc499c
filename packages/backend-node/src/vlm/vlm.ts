/**
 * `loadVlm`: one Node object over any VLM family (captions, questions, chats, tasks) that takes
 * image paths, bytes or decoded pixels.
 */
import {
  type ChatMessage,
  ClipkitError,
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
import { decodeImage, type ImageInput } from "../image/index.js";
import { inChunks, type LoadVlmOptions, loadOptions } from "./load.js";

/** A chat content part whose image may be a path, bytes or pixels. */
export type NodeChatContent = { type: "text"; text: string } | { type: "image"; image?: ImageInput };

/** A chat message of {@link NodeVlm.chat}: transformers' chat format. */
export interface NodeChatMessage {
  role: "system" | "user" | "assistant";
  content: string | readonly NodeChatContent[];
}

/** A VLM of any family that takes image paths, bytes or pixels. */
export interface NodeVlm {
  readonly family: string;
  readonly kinds: Vlm["kinds"];
  readonly tasks: readonly string[];
  /** Captions every image (decoded chunk by chunk, `batchSize` per call). */
  caption(images: readonly ImageInput[], options?: VlmGenerateOptions): Promise<GenerationResult[]>;
  /** Answers a question about one image, or several in prompt order. */
  ask(
    image: ImageInput | readonly ImageInput[],
    question: string,
    options?: VlmGenerateOptions,
  ): Promise<GenerationResult>;
  /**
   * Continues a conversation through the folder's chat template:
   * `chat([{ role: "user", content: [{ type: "image", image: "a.jpg" }, { type: "image", image: "b.jpg" }, { type: "text", text: "Which is brighter?" }] }])`.
   * Image parts without `image` take the next of `images`, in order.
   */
  chat(
    messages: readonly NodeChatMessage[],
    images?: readonly ImageInput[],
    options?: VlmChatOptions,
  ): Promise<GenerationResult>;
  /** {@link NodeVlm.chat}, streamed as `{ input, token, text }` chunks. */
  chatStream(
    messages: readonly NodeChatMessage[],
    images?: readonly ImageInput[],
    options?: Omit<VlmChatOptions, "onChunk">,
  ): AsyncGenerator<StreamChunk>;
  /** A Florence-2 style task on every image; `PROMPT_INVALID` when the model has no such task. */
  task(
    images: readonly ImageInput[],
    task: string,
    text?: string,
    options?: VlmGenerateOptions,
  ): Promise<GenerationResult[]>;
  release(): Promise<void>;
}

async function decodeAt(input: ImageInput, argument: string, options: LoadVlmOptions): Promise<RawImage> {
  try {
    return await decodeImage(input, options.decode);
  } catch (error) {
    if (!(error instanceof ClipkitError)) throw error;
    throw new ClipkitError(error.code, `${argument}: ${error.message}`, {
      cause: error,
      details: { ...error.details, argument },
    });
  }
}

/** Decodes the image parts of `messages` (naming `messages[i].content[j]` on failure). */
export async function decodeChat(
  messages: readonly NodeChatMessage[],
  options: LoadVlmOptions,
): Promise<ChatMessage[]> {
  if (!Array.isArray(messages)) {
    throw new ClipkitError("PROMPT_INVALID", "messages must be an array", {
      details: { argument: "messages" },
    });
  }
  const out: ChatMessage[] = [];
  for (const [i, m] of messages.entries()) {
    if (typeof m?.content === "string" || !Array.isArray(m?.content)) {
      out.push(m as ChatMessage);
      continue;
    }
    const content = [];
    for (const [j, part] of (m.content as readonly NodeChatContent[]).entries()) {
      if (part?.type === "image" && part.image !== undefined) {
        content.push({
          type: "image" as const,
          image: await decodeAt(part.image, `messages[${i}].content[${j}]`, options),
        });
      } else content.push(part as ChatMessage["content"][number]);
    }
    out.push({ role: m.role, content } as ChatMessage);
  }
  return out;
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
    caption: (images, o) => perImage(images, o, (image) => ({ kind: "caption", images: [image] })),
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
