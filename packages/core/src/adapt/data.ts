import { describeSpace, type EmbeddingSpace, type Embeddings } from "../embeddings.js";
import { ClipkitError } from "../errors.js";
import { seededRandom, shuffled } from "./rng.js";

/**
 * Labelled image embeddings: the training (or validation) data of every adapter. `labels[i]` is
 * row `i`'s class, or for multi-label data the list of its tags (possibly empty).
 */
export interface LabelledEmbeddings {
  readonly embeddings: Embeddings;
  readonly labels: readonly (string | readonly string[])[];
}

/** Training data normalised and indexed against a fixed class list. */
export interface PreparedData {
  /** `n × dim` unit-norm rows (float32). */
  readonly x: Float32Array;
  readonly n: number;
  readonly dim: number;
  readonly space: EmbeddingSpace;
  readonly classes: readonly string[];
  /** Single-label: class index per row. */
  readonly y: Int32Array;
  /** Multi-label: `n × classes` 0/1 targets (absent for single-label data). */
  readonly targets?: Uint8Array;
  /** Rows per class (positives per class for multi-label). */
  readonly counts: Int32Array;
}

function bad(message: string, argument: string): ClipkitError {
  return new ClipkitError("INVALID_ARGUMENT", message, { details: { argument } });
}

/** Every label in `data`, sorted by code point (the default class order of trained heads). */
export function labelsOf(data: LabelledEmbeddings): string[] {
  const seen = new Set<string>();
  for (const l of data.labels) for (const t of typeof l === "string" ? [l] : l) seen.add(t);
  return [...seen].sort();
}

/**
 * Checks shapes, L2-normalises each row (the probe and the cache work on cosines, as CLIP's linear
 * probes do) and maps labels onto `classes`.
 *
 * @throws ClipkitError `SHAPE_MISMATCH` when labels and rows disagree, `INVALID_ARGUMENT` for an
 * unknown label or a single-label row given a list, `ZERO_VECTOR`/`NON_FINITE` for unusable rows.
 */
export function prepareData(
  data: LabelledEmbeddings,
  classes: readonly string[],
  multiLabel: boolean,
  argument = "training",
): PreparedData {
  const { embeddings: e, labels } = data;
  if (labels.length !== e.count) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `${argument}: ${labels.length} labels for ${e.count} embedded images (${describeSpace(e.space)})`,
      { details: { argument, labels: labels.length, rows: e.count } },
    );
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  const n = e.count;
  const dim = e.dim;
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) {
      const v = e.data[i * dim + k]!;
      s += v * v;
    }
    if (!Number.isFinite(s)) {
      throw new ClipkitError("NON_FINITE", `${argument}: row ${i} holds a non-finite value`, {
        details: { argument, row: i },
      });
    }
    if (s === 0) {
      throw new ClipkitError("ZERO_VECTOR", `${argument}: row ${i} is the zero vector`, {
        details: { argument, row: i },
      });
    }
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < dim; k++) x[i * dim + k] = e.data[i * dim + k]! * inv;
  }
  const c = classes.length;
  const y = new Int32Array(n).fill(-1);
  const counts = new Int32Array(c);
  const targets = multiLabel ? new Uint8Array(n * c) : undefined;
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    const list = typeof l === "string" ? [l] : l;
    if (!multiLabel && list.length !== 1) {
      throw bad(
        `${argument}: row ${i} has ${list.length} labels; pass multiLabel: true for tag data`,
        argument,
      );
    }
    for (const t of list) {
      const k = index.get(t);
      if (k === undefined)
        throw bad(`${argument}: row ${i} has unknown label ${JSON.stringify(t)}`, argument);
      if (targets) targets[i * c + k] = 1;
      else y[i] = k;
      counts[k]!++;
    }
  }
  return { x, n, dim, space: { ...e.space, normalized: true }, classes, y, targets, counts };
}

/** Rows `rows` of `data` as a new PreparedData (same classes). */
export function subset(data: PreparedData, rows: readonly number[]): PreparedData {
  const { dim, classes } = data;
  const c = classes.length;
  const x = new Float32Array(rows.length * dim);
  const y = new Int32Array(rows.length);
  const targets = data.targets ? new Uint8Array(rows.length * c) : undefined;
  const counts = new Int32Array(c);
  rows.forEach((r, i) => {
    x.set(data.x.subarray(r * dim, (r + 1) * dim), i * dim);
    y[i] = data.y[r]!;
    if (targets && data.targets) {
      targets.set(data.targets.subarray(r * c, (r + 1) * c), i * c);
      for (let k = 0; k < c; k++) counts[k]! += data.targets[r * c + k]!;
    } else counts[data.y[r]!]!++;
  });
  return { ...data, x, y, targets, counts, n: rows.length };
}

/** The group a row is stratified by: its class, or its first tag (-1 for none) in multi-label data. */
function stratum(data: PreparedData, row: number): number {
  if (!data.targets) return data.y[row]!;
  const c = data.classes.length;
  for (let k = 0; k < c; k++) if (data.targets[row * c + k]) return k;
  return -1;
}

/**
 * A generator for one stratum, seeded from `seed` and the class name (FNV-1a) rather than the
 * class's position, so splits do not change when the class order does.
 */
function stratumRandom(data: PreparedData, stratum: number, seed: number) {
  const name = stratum < 0 ? "" : data.classes[stratum]!;
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return seededRandom((h ^ Math.imul(seed, 0x9e3779b1)) >>> 0);
}

/** Strata in class-name order (not class-index order), for the same reason. */
function strataInNameOrder(data: PreparedData, byClass: Map<number, number[]>): number[] {
  const name = (k: number) => (k < 0 ? "" : data.classes[k]!);
  return [...byClass.keys()].sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
}

function groupByStratum(data: PreparedData): Map<number, number[]> {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < data.n; i++) {
    const s = stratum(data, i);
    const list = byClass.get(s);
    if (list) list.push(i);
    else byClass.set(s, [i]);
  }
  return byClass;
}

/**
 * Stratified fold assignment: within each class the rows are shuffled (seeded per class name) and dealt
 * round-robin to `folds` folds, so every fold sees every class with ≥ `folds` rows.
 */
export function stratifiedFolds(data: PreparedData, folds: number, seed: number): Int32Array {
  const byClass = groupByStratum(data);
  const fold = new Int32Array(data.n);
  let offset = 0;
  for (const key of strataInNameOrder(data, byClass)) {
    shuffled(byClass.get(key)!, stratumRandom(data, key, seed)).forEach((row, j) => {
      fold[row] = (offset + j) % folds;
    });
    offset += byClass.get(key)!.length;
  }
  return fold;
}

/** Rows of fold `f` (`held = true`) or of every other fold. */
export function foldRows(fold: Int32Array, f: number, held: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < fold.length; i++) if ((fold[i] === f) === held) out.push(i);
  return out;
}

/** Fewest rows of any class (single-label) — what bounds the number of CV folds. */
export function minShots(data: PreparedData): number {
  let m = Number.POSITIVE_INFINITY;
  for (const v of data.counts) m = Math.min(m, v);
  return m;
}

/**
 * Splits off a stratified validation part: per class `round(fraction · count)` rows, but always
 * leaving at least one training row per class (classes with one row stay wholly in training).
 */
export function validationSplit(
  data: PreparedData,
  fraction: number,
  seed: number,
): { train: number[]; validation: number[] } {
  if (!(fraction > 0 && fraction < 1))
    throw bad(`validation fraction must be in (0, 1), got ${fraction}`, "valFraction");
  const byClass = groupByStratum(data);
  const train: number[] = [];
  const validation: number[] = [];
  for (const key of strataInNameOrder(data, byClass)) {
    const rows = shuffled(byClass.get(key)!, stratumRandom(data, key, seed));
    const held = Math.min(rows.length - 1, Math.round(fraction * rows.length));
    validation.push(...rows.slice(0, held));
    train.push(...rows.slice(held));
  }
  return { train: train.sort((a, b) => a - b), validation: validation.sort((a, b) => a - b) };
}

/**
 * A seeded sample of `count` rows stratified by class (first tag for multi-label data): each
 * class gets `count · size / n` rows rounded down, the rows left over go to the classes with the
 * largest remainders (ties in a seeded class order), and within a class the rows are a seeded
 * shuffle's first ones (per class name, as {@link stratifiedFolds}). Sorted row indices; all rows
 * when `count ≥ n`.
 */
export function stratifiedSample(data: PreparedData, count: number, seed: number): number[] {
  if (count >= data.n) return Array.from({ length: data.n }, (_, i) => i);
  const byClass = groupByStratum(data);
  const keys = strataInNameOrder(data, byClass);
  const exact = keys.map((k) => (count * byClass.get(k)!.length) / data.n);
  const quota = exact.map(Math.floor);
  let left = count - quota.reduce((a, b) => a + b, 0);
  // Stable sort of a seeded order: equal remainders (equal class sizes) are served in that order.
  const order = shuffled(
    keys.map((_, i) => i),
    seededRandom((seed ^ 0x2545f491) >>> 0),
  ).sort((a, b) => exact[b]! - quota[b]! - (exact[a]! - quota[a]!));
  for (const i of order) {
    if (left === 0) break;
    quota[i]!++;
    left--;
  }
  const rows: number[] = [];
  keys.forEach((key, i) => {
    rows.push(...shuffled(byClass.get(key)!, stratumRandom(data, key, seed)).slice(0, quota[i]));
  });
  return rows.sort((a, b) => a - b);
}
