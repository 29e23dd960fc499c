import type { EmbeddingSpace, Embeddings } from "../embeddings.js";

/** How a model turns cosines into scores: CLIP's softmax over `logitScale · cos`, or SigLIP's sigmoid. */
export type Scoring =
  | { readonly kind: "softmax"; readonly logitScale: number }
  | { readonly kind: "sigmoid"; readonly logitScale: number; readonly logitBias: number };

/** Options shared by every batch-embedding call. */
export interface EmbedOptions {
  /** Inputs per inference call (default chosen by the model; 32 for CLIP). */
  batchSize?: number;
  /** Cancels between batches; the promise rejects with `ClipkitError("ABORTED")`. */
  signal?: AbortSignal;
  /** Called after each batch with the number of inputs done so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** L2-normalise rows (default true). */
  normalize?: boolean;
}

/** Anything that maps texts into an embedding space (a CLIP text tower, a remote service, a cache). */
export interface TextEmbedder {
  readonly space: EmbeddingSpace;
  readonly scoring: Scoring;
  embedTexts(texts: readonly string[], options?: EmbedOptions): Promise<Embeddings>;
}

/** Anything that maps images of input type `I` into an embedding space. */
export interface ImageEmbedder<I> {
  readonly space: EmbeddingSpace;
  embedImages(inputs: readonly I[], options?: EmbedOptions): Promise<Embeddings>;
}

/** A two-tower model: texts and images into one space. */
export interface ClipModel<I> extends TextEmbedder, ImageEmbedder<I> {
  readonly modelType: "clip" | "siglip";
  /** Frees the underlying sessions. */
  release(): Promise<void>;
}
