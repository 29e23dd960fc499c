import { ClipkitError } from "../errors.js";
import { ensembleMean } from "../math/ensemble.js";
import type { TextEmbedder } from "../model/types.js";
import type { ClassPrompts } from "./prompts.js";

/** Options for encoding the class prompts of a head. */
export interface EncodeClassesOptions {
  /** Unique texts sent to the embedder per call (default 256). */
  chunkSize?: number;
  /** Passed through to each `embedTexts` call (the model's own inference batch). */
  batchSize?: number;
  /** Checked between chunks; rejects with `ClipkitError("ABORTED")`. */
  signal?: AbortSignal;
  /** Called after each chunk with unique texts encoded so far and the total unique texts. */
  onProgress?: (done: number, total: number) => void;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ClipkitError("ABORTED", "building the zero-shot head was aborted", {
      cause: signal.reason,
    });
  }
}

/**
 * Encodes every class's prompts and ensembles them (open_clip's recipe: normalise each prompt
 * embedding, average, renormalise) into a `classes × dim` weight matrix.
 *
 * Each distinct text is encoded once, even when several classes share it. Texts are streamed in
 * chunks in class order, and a class is reduced as soon as all of its texts are in, so memory
 * stays near `chunkSize × dim` plus shared rows rather than `texts × dim` (80,000 × 512 floats for
 * an ImageNet 80-template head).
 */
export async function encodeClassWeights(
  embedder: TextEmbedder,
  classes: readonly ClassPrompts[],
  options: EncodeClassesOptions = {},
): Promise<Float32Array> {
  const chunkSize = options.chunkSize ?? 256;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new ClipkitError("INVALID_ARGUMENT", `chunkSize must be a positive integer, got ${chunkSize}`, {
      details: { argument: "chunkSize" },
    });
  }
  const dim = embedder.space.dim;
  // Distinct texts in first-use order, and for each how many classes still need its row.
  const textIndex = new Map<string, number>();
  const texts: string[] = [];
  const pending: number[] = [];
  const classTexts = classes.map((c) =>
    c.prompts.map((p) => {
      let i = textIndex.get(p);
      if (i === undefined) {
        i = texts.length;
        textIndex.set(p, i);
        texts.push(p);
        pending.push(0);
      }
      pending[i]! += 1;
      return i;
    }),
  );

  const rows = new Map<number, Float32Array>();
  const weights = new Float32Array(classes.length * dim);
  let nextClass = 0;
  options.onProgress?.(0, texts.length);
  for (let start = 0; start < texts.length; start += chunkSize) {
    throwIfAborted(options.signal);
    const chunk = texts.slice(start, start + chunkSize);
    const out = await embedder.embedTexts(chunk, {
      batchSize: options.batchSize,
      signal: options.signal,
      normalize: true,
    });
    if (out.count !== chunk.length || out.dim !== dim) {
      throw new ClipkitError(
        "SHAPE_MISMATCH",
        `text embedder returned ${out.count} × ${out.dim} for ${chunk.length} texts of dim ${dim}`,
        { details: { expected: [chunk.length, dim], actual: [out.count, out.dim] } },
      );
    }
    for (let j = 0; j < chunk.length; j++) rows.set(start + j, out.data.slice(j * dim, (j + 1) * dim));
    const encoded = start + chunk.length;
    // Classes are reduced in order; texts are numbered by first use, so class c is complete once
    // every text index it uses is below `encoded`.
    while (nextClass < classes.length && classTexts[nextClass]!.every((i) => i < encoded)) {
      const ids = classTexts[nextClass]!;
      const stack = new Float32Array(ids.length * dim);
      ids.forEach((id, k) => {
        stack.set(rows.get(id)!, k * dim);
      });
      weights.set(ensembleMeanFor(stack, dim, classes[nextClass]!.label), nextClass * dim);
      for (const id of ids) {
        pending[id]! -= 1;
        if (pending[id] === 0) rows.delete(id);
      }
      nextClass++;
    }
    options.onProgress?.(encoded, texts.length);
  }
  return weights;
}

function ensembleMeanFor(stack: Float32Array, dim: number, label: string): Float32Array {
  try {
    return ensembleMean(stack, dim);
  } catch (error) {
    if (error instanceof ClipkitError) {
      throw new ClipkitError(error.code, `class ${JSON.stringify(label)}: ${error.message}`, {
        cause: error,
        details: { ...error.details, label },
      });
    }
    throw error;
  }
}
