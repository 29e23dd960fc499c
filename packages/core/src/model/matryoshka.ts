import { createEmbeddings, type EmbeddingSpace, type Embeddings } from "../embeddings.js";
import { ClipkitError } from "../errors.js";
import { normalizeRows } from "../math/vector.js";
import type { LoadedClipModel } from "./options.js";
import type { EmbedOptions } from "./types.js";

/** The space id of a model's vectors truncated to `dimensions` (never equal to the full id). */
export function matryoshkaSpaceId(id: string, dimensions: number): string {
  return `${id}#d${dimensions}`;
}

/**
 * Matryoshka truncation (jina-clip v2 and other models trained with nested widths): keeps the
 * first `dimensions` components of every vector, then L2-normalises again, as jina-clip's
 * `truncate_dim` does. The returned model's space has `dim = dimensions` and an id that records
 * the width ({@link matryoshkaSpaceId}), so truncated and full vectors never mix in one index or
 * head (they fail with `SPACE_MISMATCH`). `allowed` are the widths the model was trained for
 * (`matryoshka_dimensions`); other widths are refused rather than silently degrading.
 *
 * @throws ClipkitError `INVALID_ARGUMENT` when `dimensions` is not an integer in 1..dim or not in `allowed`.
 */
export function withDimensions<I>(
  model: LoadedClipModel<I>,
  dimensions: number,
  allowed?: readonly number[],
): LoadedClipModel<I> {
  const full = model.space.dim;
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > full) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `dimensions must be an integer in 1..${full}, got ${String(dimensions)}`,
      { details: { argument: "dimensions", value: dimensions, max: full } },
    );
  }
  if (allowed && allowed.length > 0 && !allowed.includes(dimensions)) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `dimensions ${dimensions} is not one of the model's matryoshka_dimensions (${allowed.join(", ")})`,
      { details: { argument: "dimensions", value: dimensions, allowed: [...allowed] } },
    );
  }
  if (dimensions === full) return model;
  const space: EmbeddingSpace = {
    id: matryoshkaSpaceId(model.space.id, dimensions),
    dim: dimensions,
    normalized: true,
  };
  const truncate = (e: Embeddings, options: EmbedOptions | undefined): Embeddings => {
    const out = new Float32Array(e.count * dimensions);
    for (let r = 0; r < e.count; r++)
      out.set(e.data.subarray(r * full, r * full + dimensions), r * dimensions);
    if (options?.normalize === false) return createEmbeddings(out, e.count, { ...space, normalized: false });
    return createEmbeddings(e.count > 0 ? normalizeRows(out, dimensions) : out, e.count, space);
  };
  return {
    modelType: model.modelType,
    scoring: model.scoring,
    scoringSource: model.scoringSource,
    layout: model.layout,
    tokenizer: model.tokenizer,
    space,
    async embedTexts(texts, options) {
      return truncate(await model.embedTexts(texts, { ...options, normalize: false }), options);
    },
    async embedImages(inputs, options) {
      return truncate(await model.embedImages(inputs, { ...options, normalize: false }), options);
    },
    release: () => model.release(),
  };
}
