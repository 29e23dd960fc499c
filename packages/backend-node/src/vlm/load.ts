/**
 * Node front-ends over core's captioner and VQA: load a model folder from disk with
 * onnxruntime-node and accept image paths, bytes or decoded pixels.
 */
import {
  type CaptionOptions,
  ClipkitError,
  createCaptioner,
  createVqa,
  DEFAULT_MEMORY_BUDGET,
  type GenerationOptions,
  type GenerationResult,
  iterate,
  type RawImage,
  type StreamChunk,
  type VlmChatOptions,
  type VlmGenerateOptions,
  type VlmLoadOptions,
} from "@clipkit/core";
import { nodeFiles } from "../files/index.js";
import { type HubOptions, resolveModelSource } from "../hub/index.js";
import { type DecodeOptions, decodeImage, type ImageInput } from "../image/index.js";
import { type NodeBackendOptions, nodeBackend } from "../session/index.js";
import { decodeAt, decodeChat, type NodeChatMessage, type NodeVlmChat } from "./chat.js";

/** Options of {@link loadCaptioner} / {@link loadVqa}. */
export interface LoadVlmOptions extends Omit<VlmLoadOptions, "backend" | "files"> {
  /** onnxruntime-node settings (threads, execution providers). */
  backend?: NodeBackendOptions;
  /** Image decoding limits. */
  decode?: DecodeOptions;
  /** Hub settings when the source is a repo id: cache folder, token, offline, progress… (see `downloadModel`). */
  hub?: HubOptions;
  /**
   * Images per generation call (default 8). Inputs are decoded chunk by chunk, so a call with 500
   * paths never holds 500 decoded images.
   */
  batchSize?: number;
  /**
   * Decoded bytes per generation call (default 512 MiB): a chunk closes early once its images
   * hold this much (one larger image still runs alone).
   */
  memoryBudget?: number;
}

/**
 * Decodes `items` in input order into chunks of at most `batchSize` images and about
 * `budget` decoded bytes, and runs `run` on each chunk before decoding the next.
 */
export async function inChunks<T, R>(
  items: readonly T[],
  options: LoadVlmOptions,
  image: (item: T) => ImageInput,
  run: (decoded: RawImage[], start: number) => Promise<R[]>,
): Promise<R[]> {
  const size = options.batchSize ?? 8;
  const budget = options.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
  if (!Number.isInteger(size) || size < 1) {
    throw new ClipkitError("INVALID_ARGUMENT", `batchSize must be a positive integer, got ${size}`, {
      details: { argument: "batchSize" },
    });
  }
  if (items.length === 0) return run([], 0); // core reports the empty call
  const out: R[] = [];
  let chunk: RawImage[] = [];
  let bytes = 0;
  let start = 0;
  for (const [i, item] of items.entries()) {
    const decoded = await decodeImage(image(item), options.decode).catch((error: unknown) => {
      if (!(error instanceof ClipkitError)) throw error;
      throw new ClipkitError(error.code, `images[${i}]: ${error.message}`, {
        cause: error,
        details: { ...error.details, index: i },
      });
    });
    chunk.push(decoded);
    bytes += decoded.data.byteLength;
    if (chunk.length >= size || bytes >= budget || i === items.length - 1) {
      out.push(...(await run(chunk, start)));
      start = i + 1;
      chunk = [];
      bytes = 0;
    }
  }
  return out;
}

/** A captioner that takes image paths, bytes or pixels. */
export interface NodeCaptioner {
  /** The model family (`"encoder-decoder"`, `"llava"`, …). */
  readonly family: string;
  /** `options.prompt`: conditional captioning text (BLIP's "a picture of") or a chat model's instruction. */
  caption(images: readonly ImageInput[], options?: CaptionOptions): Promise<GenerationResult[]>;
  captionStream(
    images: readonly ImageInput[],
    options?: GenerationOptions & { prompt?: string },
  ): AsyncGenerator<StreamChunk>;
  release(): Promise<void>;
}

/** A VQA model that takes image paths, bytes or pixels; `chat` as {@link NodeVlmChat}. */
export interface NodeVqa extends NodeVlmChat {
  /** The model family (`"encoder-decoder"`, `"llava"`, …). */
  readonly family: string;
  ask(image: ImageInput, question: string, options?: VlmGenerateOptions): Promise<GenerationResult>;
  askMany(
    items: readonly { image: ImageInput; question: string }[],
    options?: VlmGenerateOptions,
  ): Promise<GenerationResult[]>;
  askStream(image: ImageInput, question: string, options?: GenerationOptions): AsyncGenerator<StreamChunk>;
  release(): Promise<void>;
}

/** `source`: a folder or a hub repo id (`owner/name[@revision]`, downloaded into the shared cache). */
export async function loadOptions(source: string, options: LoadVlmOptions): Promise<VlmLoadOptions> {
  const { backend, decode: _decode, hub, batchSize: _batch, memoryBudget: _budget, ...rest } = options;
  const dir = await resolveModelSource(source, { ...hub, kind: "vlm" });
  return { ...rest, backend: nodeBackend(backend), files: nodeFiles(dir) };
}

/**
 * Loads a captioning folder or hub repo id (image-to-text encoder-decoder or LLaVA-style,
 * auto-detected): `const c = await loadCaptioner("Xenova/vit-gpt2-image-captioning"); (await c.caption(["cat.jpg"]))[0].text`.
 */
export async function loadCaptioner(source: string, options: LoadVlmOptions = {}): Promise<NodeCaptioner> {
  const core = await createCaptioner(await loadOptions(source, options));
  const caption = (images: readonly ImageInput[], o?: CaptionOptions) =>
    inChunks(
      images,
      options,
      (i) => i,
      (decoded, start) =>
        core.caption(decoded, {
          ...o,
          ...(o?.onChunk
            ? { onChunk: (c: StreamChunk) => o.onChunk?.({ ...c, input: c.input + start }) }
            : {}),
        }),
    );
  return {
    family: core.family,
    caption,
    captionStream: (images, o) => iterate<StreamChunk>((emit) => caption(images, { ...o, onChunk: emit })),
    release: () => core.release(),
  };
}

/** Loads a VQA folder or hub repo id (same layouts as {@link loadCaptioner}). */
export async function loadVqa(source: string, options: LoadVlmOptions = {}): Promise<NodeVqa> {
  const core = await createVqa(await loadOptions(source, options));
  const decode = (i: ImageInput) => decodeImage(i, options.decode);
  const chat = async (
    messages: readonly NodeChatMessage[],
    images?: readonly ImageInput[],
    o?: VlmChatOptions,
  ) =>
    core.chat(
      await decodeChat(messages, options),
      await Promise.all((images ?? []).map((x, i) => decodeAt(x, `images[${i}]`, options))),
      o,
    );
  return {
    family: core.family,
    chat,
    chatStream: (messages, images, o) =>
      iterate<StreamChunk>((emit) => chat(messages, images, { ...o, onChunk: emit })),
    ask: async (image, question, o) => core.ask(await decode(image), question, o),
    askMany: (items, o) =>
      inChunks(
        items,
        options,
        (x) => x.image,
        (decoded, start) =>
          core.askMany(
            decoded.map((image, k) => ({ image, question: items[start + k]!.question })),
            {
              ...o,
              ...(o?.onChunk
                ? { onChunk: (c: StreamChunk) => o.onChunk?.({ ...c, input: c.input + start }) }
                : {}),
            },
          ),
      ),
    async *askStream(image, question, o) {
      yield* core.askStream(await decode(image), question, o);
    },
    release: () => core.release(),
  };
}
