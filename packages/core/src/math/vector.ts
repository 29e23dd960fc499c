import { ClipkitError } from "../errors.js";

function assertSameLength(a: ArrayLike<number>, b: ArrayLike<number>, op: string): void {
  if (a.length !== b.length) {
    throw new ClipkitError("SHAPE_MISMATCH", `${op}: vectors differ in length (${a.length} vs ${b.length})`, {
      details: { left: a.length, right: b.length },
    });
  }
}

/** Dot product. Accumulates in float64 (JS numbers) so long vectors keep float32-level accuracy. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertSameLength(a, b, "dot");
  const n = a.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  // Four independent accumulators break the add dependency chain (~2× on V8).
  for (; i + 3 < n; i += 4) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
    s2 += a[i + 2]! * b[i + 2]!;
    s3 += a[i + 3]! * b[i + 3]!;
  }
  for (; i < n; i++) s0 += a[i]! * b[i]!;
  return s0 + s1 + s2 + s3;
}

/** Euclidean norm. */
export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

function assertFinite(v: ArrayLike<number>, what: string): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) {
      throw new ClipkitError("NON_FINITE", `${what} has a non-finite value at index ${i}`, {
        details: { index: i },
      });
    }
  }
}

/**
 * Returns a unit-length copy of `v`. A zero (or non-finite) vector has no direction, so it is an
 * error rather than a silent NaN.
 */
export function normalize(v: ArrayLike<number>): Float32Array {
  const out = new Float32Array(v.length);
  normalizeInto(v, out, "vector");
  return out;
}

function normalizeInto(v: ArrayLike<number>, out: Float32Array, what: string, offset = 0): void {
  assertFinite(v, what);
  const n = norm(v);
  if (n === 0 || !Number.isFinite(n)) {
    throw new ClipkitError("ZERO_VECTOR", `cannot normalise ${what}: its norm is ${n}`, {
      details: { what },
    });
  }
  const inv = 1 / n;
  for (let i = 0; i < v.length; i++) out[offset + i] = v[i]! * inv;
}

/** Normalises each row of a row-major `count × dim` batch; returns a new buffer. */
export function normalizeRows(data: Float32Array, dim: number): Float32Array {
  if (!Number.isInteger(dim) || dim <= 0 || data.length % dim !== 0) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `buffer of ${data.length} floats is not a whole number of rows of ${dim}`,
      {
        details: { length: data.length, dim },
      },
    );
  }
  const out = new Float32Array(data.length);
  const count = data.length / dim;
  for (let r = 0; r < count; r++) {
    normalizeInto(data.subarray(r * dim, (r + 1) * dim), out, `row ${r}`, r * dim);
  }
  return out;
}

/** Cosine similarity; throws `ZERO_VECTOR` if either vector is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertSameLength(a, b, "cosine");
  const na = norm(a);
  const nb = norm(b);
  if (na === 0 || nb === 0) {
    throw new ClipkitError("ZERO_VECTOR", "cosine is undefined for a zero vector");
  }
  // Clamp: rounding can push |cos| a hair past 1 for parallel vectors.
  return Math.max(-1, Math.min(1, dot(a, b) / (na * nb)));
}
