import { describeSpace, type EmbeddingSpace, type Embeddings } from "../embeddings.js";
import { ClipkitError } from "../errors.js";
import { similarityMatrix } from "../math/similarity.js";
import { normalizeRows } from "../math/vector.js";
import type { ImageEmbedder, Scoring, TextEmbedder } from "../model/types.js";
import { type Classification, type ClassifyOptions, classifyEmbeddings } from "./classify.js";
import { type EncodeClassesOptions, encodeClassWeights } from "./encode.js";
import { promptsHash } from "./hash.js";
import { type HeadClasses, toClassPrompts } from "./prompts.js";

/** Everything a {@link ZeroShotHead} holds; what `loadHead` reads back from bytes. */
export interface ZeroShotHeadInit {
  readonly labels: readonly string[];
  /** Row-major `labels.length × space.dim` unit-norm class weights. */
  readonly weights: Float32Array;
  readonly space: EmbeddingSpace;
  readonly scoring: Scoring;
  /** Hash of the texts the weights were built from (see `promptsHash`). */
  readonly promptsHash: string;
}

/**
 * A zero-shot classifier: one unit-norm weight row per class label, in one model's embedding
 * space, plus the model's scoring rule. Build it once with {@link buildZeroShotHead} (encoding the
 * prompts is the expensive part), persist it with `saveHead`, and classify any number of images.
 */
export class ZeroShotHead {
  readonly labels: readonly string[];
  readonly weights: Float32Array;
  readonly space: EmbeddingSpace;
  readonly scoring: Scoring;
  readonly promptsHash: string;

  constructor(init: ZeroShotHeadInit) {
    const { labels, weights, space } = init;
    if (labels.length === 0) {
      throw new ClipkitError("INVALID_ARGUMENT", "a zero-shot head needs at least one class label", {
        details: { argument: "labels" },
      });
    }
    if (new Set(labels).size !== labels.length) {
      throw new ClipkitError("PROMPT_INVALID", "zero-shot head labels must be unique", {
        details: { argument: "labels" },
      });
    }
    if (weights.length !== labels.length * space.dim) {
      throw new ClipkitError(
        "SHAPE_MISMATCH",
        `head weights hold ${weights.length} floats, expected ${labels.length} classes × dim ${space.dim}`,
        { details: { expected: labels.length * space.dim, actual: weights.length } },
      );
    }
    this.labels = [...labels];
    this.weights = weights;
    this.space = space;
    this.scoring = init.scoring;
    this.promptsHash = init.promptsHash;
  }

  /** Number of classes. */
  get size(): number {
    return this.labels.length;
  }

  /** Throws `SPACE_MISMATCH` unless `space` is this head's model space (id and dim). */
  assertSpace(space: EmbeddingSpace, context = "zero-shot head"): void {
    if (space.id !== this.space.id || space.dim !== this.space.dim) {
      throw new ClipkitError(
        "SPACE_MISMATCH",
        `${context}: head was built for ${describeSpace(this.space)} but got ${describeSpace(space)}`,
        { details: { head: this.space, given: space } },
      );
    }
  }

  /** `images × classes` cosine matrix. Rows are normalised first unless the space says they are. */
  cosines(embeddings: Embeddings): Float32Array {
    this.assertSpace(embeddings.space, "classify");
    const rows = embeddings.space.normalized
      ? embeddings.data
      : normalizeRows(embeddings.data, embeddings.dim);
    return similarityMatrix(rows, this.weights, this.space.dim);
  }

  /** Scores embedded images; see {@link classifyEmbeddings}. */
  classify(embeddings: Embeddings, options?: ClassifyOptions): Classification[] {
    return classifyEmbeddings(this, embeddings, options);
  }

  /** Embeds `images` with `embedder` (same space as the head) and classifies them. */
  async classifyImages<I>(
    embedder: ImageEmbedder<I>,
    images: readonly I[],
    options: ClassifyOptions & EncodeOptionsForImages = {},
  ): Promise<Classification[]> {
    this.assertSpace(embedder.space, "classifyImages");
    const embeddings = await embedder.embedImages(images, {
      batchSize: options.batchSize,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    return classifyEmbeddings(this, embeddings, options);
  }
}

/** Batch/abort/progress options forwarded to `embedImages` by `classifyImages`. */
export interface EncodeOptionsForImages {
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Builds a zero-shot head: per class, embed every prompt, normalise each, average, renormalise
 * (open_clip's `build_zero_shot_classifier`). Each distinct text is encoded once.
 *
 * @example
 * ```ts
 * const head = await buildZeroShotHead(model, { labels: ["cat", "dog"], templates: ["a photo of a {}."] });
 * const [result] = head.classify(await model.embedImages([image]));
 * ```
 */
export async function buildZeroShotHead(
  embedder: TextEmbedder,
  classes: HeadClasses,
  options: EncodeClassesOptions = {},
): Promise<ZeroShotHead> {
  const list = toClassPrompts(classes);
  const weights = await encodeClassWeights(embedder, list, options);
  return new ZeroShotHead({
    labels: list.map((c) => c.label),
    weights,
    space: { ...embedder.space, normalized: true },
    scoring: embedder.scoring,
    promptsHash: promptsHash(list),
  });
}
