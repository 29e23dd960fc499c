/**
 * Runs a model over an evaluation manifest: zero-shot classification through core's zero-shot
 * head (open_clip's template ensembling) and two-way retrieval, CLIP_benchmark style.
 */
import {
  buildZeroShotHead,
  ClipkitError,
  type Embeddings,
  type ImageEmbedder,
  similarityMatrix,
  type TextEmbedder,
} from "@clipkit/core";
import type { EvalManifest } from "./manifest.js";
import { type RetrievalMetrics, retrievalMetrics, type ZeroShotMetrics, zeroShotMetrics } from "./metrics.js";

/** A model that embeds texts and image file paths. */
export type EvalModel = TextEmbedder & ImageEmbedder<string>;

/** Options shared by both evaluations. */
export interface EvalOptions {
  /** Inputs per inference call. */
  batchSize?: number;
  /** Image embeddings computed before (e.g. to try several template sets on one manifest). */
  images?: Embeddings;
  /** Called with the stage name and progress. */
  onProgress?: (stage: "images" | "texts", done: number, total: number) => void;
}

/** A zero-shot evaluation's inputs and result. */
export interface ZeroShotReport {
  readonly task: "zeroshot";
  readonly manifest: string;
  readonly templates: readonly string[];
  readonly labels: readonly string[];
  readonly metrics: ZeroShotMetrics;
}

/** A retrieval evaluation's inputs and result. */
export interface RetrievalReport {
  readonly task: "retrieval";
  readonly manifest: string;
  readonly metrics: RetrievalMetrics;
}

/** Embeds every manifest image once, in manifest order. */
export async function embedManifestImages(
  model: EvalModel,
  manifest: EvalManifest,
  options: Pick<EvalOptions, "batchSize" | "onProgress"> = {},
): Promise<Embeddings> {
  return model.embedImages(
    manifest.items.map((it) => it.image),
    {
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      onProgress: (done, total) => options.onProgress?.("images", done, total),
    },
  );
}

function checkImages(images: Embeddings, manifest: EvalManifest): void {
  if (images.count !== manifest.items.length) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `${images.count} image embeddings for ${manifest.items.length} manifest items (${manifest.source})`,
      { details: { file: manifest.source } },
    );
  }
}

/**
 * Zero-shot classification: the label set is every distinct `label` (in first-seen order) plus
 * the manifest's extra `classes`; each class weight averages the normalised embeddings of its
 * `templates` prompts. Reports top-k and mean per-class recall.
 */
export async function evaluateZeroShot(
  model: EvalModel,
  manifest: EvalManifest,
  templates: readonly string[],
  options: EvalOptions & { ks?: readonly number[] } = {},
): Promise<ZeroShotReport> {
  const labels: string[] = [];
  const index = new Map<string, number>();
  const add = (l: string) => {
    if (!index.has(l)) {
      index.set(l, labels.length);
      labels.push(l);
    }
  };
  for (const [i, it] of manifest.items.entries()) {
    if (it.label === undefined) {
      throw new ClipkitError(
        "INVALID_ARGUMENT",
        `zero-shot eval: item ${i + 1} of ${manifest.source} has no label`,
        {
          details: { file: manifest.source, line: i + 1 },
        },
      );
    }
    add(it.label);
  }
  for (const c of manifest.extraClasses) add(c);
  const head = await buildZeroShotHead(
    model,
    { labels, templates },
    {
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      onProgress: (done, total) => options.onProgress?.("texts", done, total),
    },
  );
  const images = options.images ?? (await embedManifestImages(model, manifest, options));
  checkImages(images, manifest);
  const scores = head.cosines(images);
  const truth = Int32Array.from(manifest.items, (it) => index.get(it.label!)!);
  return {
    task: "zeroshot",
    manifest: manifest.source,
    templates: [...templates],
    labels,
    metrics: zeroShotMetrics(scores, truth, labels.length, options.ks),
  };
}

/**
 * Text↔image retrieval over the manifest's captions (an item without `captions` uses its label).
 * An image counts as found for image→text when any of its captions ranks in the top k.
 */
export async function evaluateRetrieval(
  model: EvalModel,
  manifest: EvalManifest,
  options: EvalOptions & { ks?: readonly number[] } = {},
): Promise<RetrievalReport> {
  const captions: string[] = [];
  const owner: number[] = [];
  for (const [i, it] of manifest.items.entries()) {
    const list = it.captions ?? (it.label === undefined ? [] : [it.label]);
    if (list.length === 0) {
      throw new ClipkitError(
        "INVALID_ARGUMENT",
        `retrieval eval: item ${i + 1} of ${manifest.source} has neither captions nor a label`,
        { details: { file: manifest.source, line: i + 1 } },
      );
    }
    for (const c of list) {
      captions.push(c);
      owner.push(i);
    }
  }
  const images = options.images ?? (await embedManifestImages(model, manifest, options));
  checkImages(images, manifest);
  const texts = await model.embedTexts(captions, {
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    onProgress: (done, total) => options.onProgress?.("texts", done, total),
  });
  const scores = similarityMatrix(texts.data, images.data, images.dim);
  return {
    task: "retrieval",
    manifest: manifest.source,
    metrics: retrievalMetrics(scores, Int32Array.from(owner), images.count, options.ks),
  };
}
