import { assertSameSpace, type EmbeddingSpace, type Embeddings } from "../embeddings.js";
import { ClipkitError } from "../errors.js";
import type { FilterValue, Metadata, MetadataFilter } from "./types.js";

/**
 * Checks an `add` batch before anything is stored: same space, one id per row, ids unique within
 * the batch, metadata aligned, every value finite. Shared by all retrievers so they fail alike.
 */
export function checkAddBatch(
  space: EmbeddingSpace,
  ids: readonly string[],
  embeddings: Embeddings,
  metadata: readonly unknown[] | undefined,
  context: string,
): void {
  assertSameSpace(space, embeddings.space, context);
  if (ids.length !== embeddings.count) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `${context}: ${ids.length} ids for ${embeddings.count} embeddings`,
      { details: { argument: "ids", ids: ids.length, embeddings: embeddings.count } },
    );
  }
  if (metadata !== undefined && metadata.length !== ids.length) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `${context}: ${metadata.length} metadata entries for ${ids.length} ids`,
      { details: { argument: "metadata" } },
    );
  }
  const seen = new Set<string>();
  for (const id of ids) {
    if (typeof id !== "string" || id.length === 0) {
      throw new ClipkitError("INVALID_ARGUMENT", `${context}: ids must be non-empty strings`, {
        details: { argument: "ids", id },
      });
    }
    if (seen.has(id)) {
      throw new ClipkitError("DUPLICATE_ID", `${context}: id "${id}" appears twice in one batch`, {
        details: { argument: "ids", id },
      });
    }
    seen.add(id);
  }
  assertFiniteRows(embeddings, context, ids);
  assertUnitRowsIfNormalized(embeddings, context, ids);
}

/** Throws `NON_FINITE` naming the first row holding NaN or ±Infinity. */
export function assertFiniteRows(e: Embeddings, context: string, ids?: readonly string[]): void {
  const { data, dim } = e;
  for (let i = 0; i < data.length; i++) {
    // `x - x` is NaN exactly for NaN and ±Infinity: one test per value.
    const x = data[i]!;
    if (x - x !== 0) {
      const r = Math.floor(i / dim);
      const name = ids?.[r] === undefined ? `row ${r}` : `row ${r} (id "${ids[r]}")`;
      throw new ClipkitError("NON_FINITE", `${context}: ${name} has a non-finite value`, {
        details: { row: r, id: ids?.[r] },
      });
    }
  }
}

/**
 * Largest accepted deviation of a row's squared L2 norm from 1 in a space declared normalised.
 * float32 normalisation leaves errors near 1e-7 (fp16 towers are normalised in float32 too), so
 * this only catches rows that were never normalised or were scaled afterwards.
 */
export const UNIT_NORM_TOLERANCE = 1e-3;

/**
 * In a space declared normalised, dot product is reported as cosine, so a row that is not a unit
 * vector would silently report "cosine" outside [-1, 1] (a norm-10 row scores 10). Throws
 * `ZERO_VECTOR` for an all-zero row and `NOT_NORMALIZED` for any other row whose norm is off.
 */
export function assertUnitRowsIfNormalized(e: Embeddings, context: string, ids?: readonly string[]): void {
  if (!e.space.normalized) return;
  const { data, dim } = e;
  for (let r = 0; r < e.count; r++) {
    let s = 0;
    for (let j = r * dim, end = j + dim; j < end; j++) s += data[j]! * data[j]!;
    if (Math.abs(s - 1) <= UNIT_NORM_TOLERANCE) continue;
    const name = ids?.[r] === undefined ? `row ${r}` : `row ${r} (id "${ids[r]}")`;
    const norm = Math.sqrt(s);
    if (s === 0) {
      throw new ClipkitError("ZERO_VECTOR", `${context}: ${name} is a zero vector in a normalised space`, {
        details: { row: r, id: ids?.[r] },
      });
    }
    throw new ClipkitError(
      "NOT_NORMALIZED",
      `${context}: ${name} has L2 norm ${norm.toPrecision(6)} but the space ${e.space.id} is declared normalised ` +
        "(normalise the rows first, or use a space with normalized: false)",
      { details: { row: r, id: ids?.[r], norm } },
    );
  }
}

/**
 * Returns rows ready for cosine scoring by dot product: the input itself when the space promises
 * unit rows, otherwise a normalised copy (zero rows stay zero and score 0 against everything).
 */
export function unitRows(e: Embeddings): Float32Array {
  if (e.space.normalized) return e.data;
  const out = new Float32Array(e.data.length);
  const dim = e.dim;
  for (let r = 0; r < e.count; r++) {
    const o = r * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += e.data[o + j]! * e.data[o + j]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < dim; j++) out[o + j] = e.data[o + j]! * inv;
  }
  return out;
}

/** Checks a query batch: same space, finite values, and a valid `k`. */
export function checkQueries(space: EmbeddingSpace, queries: Embeddings, k: number, context: string): void {
  assertSameSpace(space, queries.space, context);
  if (!Number.isInteger(k) || k < 0) {
    throw new ClipkitError("INVALID_ARGUMENT", `${context}: k must be a non-negative integer, got ${k}`, {
      details: { argument: "k" },
    });
  }
  // One pass in the common case: a row whose squared norm is within the tolerance of 1 holds only
  // finite values (NaN and ±∞ make the sum NaN or ∞), so the finiteness pass is skipped; the two
  // checks below then only run to name the fault.
  if (queries.space.normalized && allUnitRows(queries)) return;
  assertFiniteRows(queries, context);
  assertUnitRowsIfNormalized(queries, context);
}

function allUnitRows(e: Embeddings): boolean {
  const { data, dim } = e;
  for (let r = 0; r < e.count; r++) {
    let s = 0;
    for (let j = r * dim, end = j + dim; j < end; j++) s += data[j]! * data[j]!;
    if (!(Math.abs(s - 1) <= UNIT_NORM_TOLERANCE)) return false;
  }
  return true;
}

/** Equality match of a {@link MetadataFilter}; no metadata matches only the empty filter. */
export function matchesFilter(metadata: Metadata | undefined, filter: MetadataFilter): boolean {
  for (const key of Object.keys(filter)) {
    if (metadata === undefined || !Object.hasOwn(metadata, key)) return false;
    const want: FilterValue = filter[key]!;
    if (metadata[key] !== want) return false;
  }
  return true;
}

/** Rejects filters the database adapters could not express the same way. */
export function checkFilter(filter: MetadataFilter | undefined, context: string): void {
  if (filter === undefined) return;
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
    throw new ClipkitError("INVALID_ARGUMENT", `${context}: filter must be a plain object`, {
      details: { argument: "filter" },
    });
  }
  for (const [key, value] of Object.entries(filter)) {
    const t = typeof value;
    if (value !== null && t !== "string" && t !== "number" && t !== "boolean") {
      throw new ClipkitError(
        "INVALID_ARGUMENT",
        `${context}: filter.${key} must be a string, number, boolean or null`,
        { details: { argument: "filter", key } },
      );
    }
    if (t === "number" && !Number.isFinite(value)) {
      throw new ClipkitError("NON_FINITE", `${context}: filter.${key} is not finite`, {
        details: { argument: "filter", key },
      });
    }
  }
}
