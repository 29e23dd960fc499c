import { ClipkitError } from "./errors.js";

/**
 * Identifies the embedding space a vector lives in. Two vectors are comparable only when they come
 * from the same model (`id`) with the same width (`dim`).
 */
export interface EmbeddingSpace {
  /** Model identifier, e.g. `"openai/clip-vit-base-patch32"` or a content hash of the model files. */
  readonly id: string;
  readonly dim: number;
  /** True when every row is L2-normalised (cosine = dot product). */
  readonly normalized: boolean;
}

/** A row-major batch of `count` vectors of width `dim`, tagged with their space. */
export interface Embeddings {
  readonly data: Float32Array;
  readonly count: number;
  readonly dim: number;
  readonly space: EmbeddingSpace;
}

/** Builds an `Embeddings` value, checking that the buffer holds exactly `count × dim` floats. */
export function createEmbeddings(data: Float32Array, count: number, space: EmbeddingSpace): Embeddings {
  if (!Number.isInteger(count) || count < 0) {
    throw new ClipkitError("INVALID_ARGUMENT", `count must be a non-negative integer, got ${count}`, {
      details: { argument: "count" },
    });
  }
  if (data.length !== count * space.dim) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `embeddings buffer holds ${data.length} floats, expected count × dim = ${count} × ${space.dim}`,
      { details: { expected: count * space.dim, actual: data.length } },
    );
  }
  return { data, count, dim: space.dim, space };
}

/** Row `i` as a view (no copy). */
export function row(e: Embeddings, i: number): Float32Array {
  if (!Number.isInteger(i) || i < 0 || i >= e.count) {
    throw new ClipkitError("INVALID_ARGUMENT", `row ${i} is out of range [0, ${e.count})`, {
      details: { argument: "i" },
    });
  }
  return e.data.subarray(i * e.dim, (i + 1) * e.dim);
}

/** True when two spaces describe the same model output. */
export function sameSpace(a: EmbeddingSpace, b: EmbeddingSpace): boolean {
  return a.id === b.id && a.dim === b.dim && a.normalized === b.normalized;
}

/** Throws `SPACE_MISMATCH` unless `a` and `b` are the same space. */
export function assertSameSpace(a: EmbeddingSpace, b: EmbeddingSpace, context = "operation"): void {
  if (!sameSpace(a, b)) {
    throw new ClipkitError(
      "SPACE_MISMATCH",
      `${context}: embeddings come from different spaces (${describeSpace(a)} vs ${describeSpace(b)})`,
      { details: { left: a, right: b } },
    );
  }
}

export function describeSpace(s: EmbeddingSpace): string {
  return `${s.id} [dim ${s.dim}${s.normalized ? ", normalized" : ""}]`;
}

/** Concatenates batches from one space. */
export function concatEmbeddings(parts: readonly Embeddings[], space?: EmbeddingSpace): Embeddings {
  const first = parts[0];
  const target = space ?? first?.space;
  if (!target)
    throw new ClipkitError("INVALID_ARGUMENT", "concatEmbeddings needs at least one batch or a space");
  let count = 0;
  for (const p of parts) {
    assertSameSpace(target, p.space, "concatEmbeddings");
    count += p.count;
  }
  const data = new Float32Array(count * target.dim);
  let offset = 0;
  for (const p of parts) {
    data.set(p.data, offset);
    offset += p.data.length;
  }
  return { data, count, dim: target.dim, space: target };
}
