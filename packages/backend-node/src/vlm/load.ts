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
import { type HubOptions, resolveModelSource } from "../hub/index.js";
import { type DecodeOptions, decodeImage, type ImageInput } from "../image/index.js";
import { type NodeBackendOptions, nodeBackend } from "../session/index.js";

/** Options of {@link loadCaptioner} / {@link loadVqa}. */
export interface LoadVlmOptions extends Omit<VlmLoadOptions, "backend" | "files"> {
  /** onnxruntime-node settings (threads, execution providers). */
  backend?: NodeBackendOptions;
  /** Image decoding limits. */
  decode?: DecodeOptions;
  /** Hub settings when the source is a repo id: cache folder, token, offline, progress… (see `downloadModel`). */
  hub?: HubOptions;
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

/** `source`: a folder or a hub repo id (`owner/name[@revision]`, downloaded into the shared cache). */
async function loadOptions(source: string, options: LoadVlmOptions): Promise<VlmLoadOptions> {
  const { backend, decode: _decode, hub, ...rest } = options;
  const dir = await resolveModelSource(source, { ...hub, kind: "vlm" });
  return { ...rest, backend: nodeBackend(backend), files: nodeFiles(dir) };
}

/**
 * Loads a captioning folder or hub repo id (image-to-text encoder-decoder or LLaVA-style,
 * auto-detected): `const c = await loadCaptioner("Xenova/vit-gpt2-image-captioning"); (await c.caption(["cat.jpg"]))[0].text`.
 */
export async function loadCaptioner(source: string, options: LoadVlmOptions = {}): Promise<NodeCaptioner> {
  const core = await createCaptioner(await loadOptions(source, options));
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

/** Loads a VQA folder or hub repo id (same layouts as {@link loadCaptioner}). */
export async function loadVqa(source: string, options: LoadVlmOptions = {}): Promise<NodeVqa> {
  const core = await createVqa(await loadOptions(source, options));
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
