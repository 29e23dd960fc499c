import type { Backend, ModelFiles, SessionOptions } from "../backend/session.js";
import type { Tokenizer } from "../tokenizer/types.js";
import type { ModelDtype } from "./dtype.js";
import type { ClipLayout } from "./resolve.js";
import type { ScoringSource } from "./scoring.js";
import type { PixelBatch } from "./towers.js";
import type { ClipModel, Scoring } from "./types.js";

/**
 * Turns a batch of user images into `pixel_values`. Backends build one from their decoder plus
 * core's preprocessing; tests and custom pipelines may pass their own.
 */
export type ImagePreparer<I> = ((inputs: readonly I[], signal?: AbortSignal) => Promise<PixelBatch>) & {
  /**
   * Optional: called by `embedImages` when the vision graph's session is about to be created
   * (its first call), which in onnxruntime-node holds the JavaScript thread — seconds for a big
   * graph. A preparer with worker threads starts them here and queues the first batch on them,
   * so it is decoded while the session is created instead of before.
   */
  warm?(): void;
};

/** Options of {@link createClipModel}. */
export interface CreateClipModelOptions<I> {
  /** The inference runtime (e.g. `nodeBackend()` from `@clipkit/backend-node`). */
  backend: Backend;
  /** The model folder (e.g. `nodeFiles(dir)`). */
  files: ModelFiles;
  /** Turns image inputs into `pixel_values`; without it `embedImages` throws `INVALID_ARGUMENT`. */
  prepareImages?: ImagePreparer<I>;
  /** The text tokenizer for this model (e.g. `loadTokenizer(files)`). */
  tokenizer: Tokenizer;
  /** Weight format (`onnx/*{suffix}.onnx`); default `"fp32"`. */
  dtype?: ModelDtype;
  /** Force the split-tower or combined layout; default: split when present. */
  layout?: "split" | "combined";
  /** Passed to every session (execution providers, threads, graph optimisation). */
  session?: SessionOptions;
  /** Default inputs per inference call (default 32). */
  batchSize?: number;
  /** Overrides the scoring read from the combined graph (or the fallback). */
  scoring?: Scoring;
  /** Overrides the embedding space id (default `<_name_or_path>@<sampled fingerprint of the graph files>`). */
  spaceId?: string;
  /**
   * Read the trained logit scale/bias from the combined graph (default `true` when the folder has
   * `onnx/model*.onnx`): from its structure by a scan that skips the weights, or, for a graph built
   * some other way, by loading and running it once. Turn off and pass `scoring` to skip.
   */
  calibrateScoring?: boolean;
}

/** A {@link ClipModel} plus what was loaded, for logging and tests. */
export interface LoadedClipModel<I> extends ClipModel<I> {
  /** The files used. */
  readonly layout: ClipLayout;
  /** Where {@link ClipModel.scoring} came from. */
  readonly scoringSource: ScoringSource;
  /** The tokenizer used for `embedTexts`. */
  readonly tokenizer: Tokenizer;
}
