/**
 * Node front-ends over core's captioner and VQA: load a model folder from disk with
 * onnxruntime-node and accept image paths, bytes or decoded pixels.
 */
import {
  type Captioner,
  createCaptioner,
  createVqa,
  type GenerationOptions,
  type GenerationResult,
  type StreamChunk,
  type VlmGenerateOptions,
  type VlmLoadOptions,
  type Vqa,
} from "@clipkit/core";
import { nodeFiles } from "../files/index.js";
import { type DecodeOptions, decodeImage, type ImageInput } from "../image/index.js";
import { type NodeBackendOptions, nodeBackend } from "../session/index.js";

/** Options of {@link loadCaptioner} / {@link loadVqa}. */
export interface LoadVlmOptions extends Omit<VlmLoadOptions, "backend" | "files"> {
  /** onnxruntime-node settings (threads, execution providers). */
  backend?: NodeBackendOptions;
  /** Image decoding limits. */
  decode?: DecodeOptions;
}

/** A captioner that takes image paths, bytes or pixels. */
export interface NodeCaptioner {
  readonly layout: Captioner["layout"];
  caption(images: readonly ImageInput[], options?: VlmGenerateOptions): Promise<GenerationResult[]>;
  captionStream(images: readonly ImageInput[], options?: GenerationOptions): AsyncGenerator<StreamChunk>;
  release(): Promise<void>;
}

/** A VQA model that takes image paths, bytes or pixels. */
export interface NodeVqa {
  readonly layout: Vqa["layout"];
  ask(image: ImageInput, question: string, options?: VlmGenerateOptions): Promise<GenerationResult>;
  askMany(
    items: readonly { image: ImageInput; question: string }[],
    options?: VlmGenerateOptions,
  ): Promise<GenerationResult[]>;
  askStream(image: ImageInput, question: string, options?: GenerationOptions): AsyncGenerator<StreamChunk>;
  release(): Promise<void>;
}

function loadOptions(dir: string, options: LoadVlmOptions): VlmLoadOptions {
  const { backend, decode: _decode, ...rest } = options;
  return { ...rest, backend: nodeBackend(backend), files: nodeFiles(dir) };
}

/**
 * Loads a captioning folder (image-to-text encoder-decoder or LLaVA-style, auto-detected):
 * `const c = await loadCaptioner("models/vit-gpt2"); (await c.caption(["cat.jpg"]))[0].text`.
 */
export async function loadCaptioner(dir: string, options: LoadVlmOptions = {}): Promise<NodeCaptioner> {
  const core = await createCaptioner(loadOptions(dir, options));
  const decodeAll = (images: readonly ImageInput[]) =>
    Promise.all(images.map((i) => decodeImage(i, options.decode)));
  return {
    layout: core.layout,
    caption: async (images, o) => core.caption(await decodeAll(images), o),
    async *captionStream(images, o) {
      yield* core.captionStream(await decodeAll(images), o);
    },
    release: () => core.release(),
  };
}

/** Loads a VQA folder (same layouts as {@link loadCaptioner}). */
export async function loadVqa(dir: string, options: LoadVlmOptions = {}): Promise<NodeVqa> {
  const core = await createVqa(loadOptions(dir, options));
  const decode = (i: ImageInput) => decodeImage(i, options.decode);
  return {
    layout: core.layout,
    ask: async (image, question, o) => core.ask(await decode(image), question, o),
    askMany: async (items, o) =>
      core.askMany(
        await Promise.all(items.map(async (x) => ({ image: await decode(x.image), question: x.question }))),
        o,
      ),
    async *askStream(image, question, o) {
      yield* core.askStream(await decode(image), question, o);
    },
    release: () => core.release(),
  };
}
