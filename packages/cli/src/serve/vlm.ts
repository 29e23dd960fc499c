import { loadCaptioner, loadVqa, type NodeBackendOptions } from "@clipkit/backend-node";
import type { GenerationResult, ModelDtype } from "@clipkit/core";

/** Generation settings a request may choose (bounded, so one request cannot run for ever). */
export interface VlmRequestOptions {
  maxNewTokens?: number;
  numBeams?: number;
}

/** Captioning and visual question answering as `/caption` and `/ask` use them. */
export interface ServedVlm {
  /** The model folder (reported by `/healthz`). */
  readonly source: string;
  caption(image: Uint8Array, options: VlmRequestOptions): Promise<GenerationResult>;
  ask(image: Uint8Array, question: string, options: VlmRequestOptions): Promise<GenerationResult>;
  release(): Promise<void>;
}

/**
 * A VLM folder served lazily: the captioner is loaded on the first `/caption`, the VQA model on the
 * first `/ask` (most deployments use one of the two; each load is shared by concurrent requests and
 * retried after a failure).
 */
export function lazyVlm(
  dir: string,
  options: { backend?: NodeBackendOptions; dtype?: ModelDtype } = {},
): ServedVlm {
  type Captioner = Awaited<ReturnType<typeof loadCaptioner>>;
  type Vqa = Awaited<ReturnType<typeof loadVqa>>;
  let captioner: Promise<Captioner> | undefined;
  let vqa: Promise<Vqa> | undefined;
  const load = {
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.dtype ? { dtype: options.dtype } : {}),
  };
  return {
    source: dir,
    async caption(image, o) {
      captioner ??= loadCaptioner(dir, load).catch((error: unknown) => {
        captioner = undefined;
        throw error;
      });
      const [result] = await (await captioner).caption([image], o);
      return result!;
    },
    async ask(image, question, o) {
      vqa ??= loadVqa(dir, load).catch((error: unknown) => {
        vqa = undefined;
        throw error;
      });
      return (await vqa).ask(image, question, o);
    },
    async release() {
      const loaded = await Promise.allSettled([captioner, vqa].filter((p) => p !== undefined));
      for (const r of loaded) if (r.status === "fulfilled") await r.value.release();
    },
  };
}
