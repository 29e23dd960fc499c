import { ClipkitError } from "../errors.js";

/** Rows produced by one inference call. */
export interface Rows {
  readonly data: Float32Array;
  readonly count: number;
  readonly dim: number;
}

/** How {@link runBatches} drives one embedding call. */
export interface BatchPlan<I, B> {
  readonly batchSize: number;
  /** Turns a slice of inputs into a feedable batch (tokenise, decode + preprocess). */
  prepare(slice: readonly I[], signal?: AbortSignal): Promise<B>;
  /** Runs inference on a prepared batch. */
  infer(batch: B): Promise<Rows>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ClipkitError("ABORTED", "embedding was aborted", { cause: signal.reason });
  }
}

/** Checks a `batchSize` option, naming it when it is not a positive integer. */
export function checkBatchSize(value: number | undefined, fallback: number): number {
  const size = value ?? fallback;
  if (!Number.isInteger(size) || size <= 0) {
    throw new ClipkitError("INVALID_ARGUMENT", `batchSize must be a positive integer, got ${value}`, {
      details: { argument: "batchSize", value },
    });
  }
  return size;
}

/**
 * Runs `inputs` through `prepare` → `infer` in batches and returns all rows in input order.
 * Batch k+1 is prepared while batch k runs, so decoding/preprocessing (CPU, often in sharp's thread
 * pool) overlaps inference. The abort signal is checked between batches; a prepared batch that
 * will never run is marked handled so its failure cannot surface as an unhandled rejection.
 */
export async function runBatches<I, B>(inputs: readonly I[], plan: BatchPlan<I, B>): Promise<Rows> {
  const { batchSize, signal } = plan;
  const total = inputs.length;
  throwIfAborted(signal);
  const starts: number[] = [];
  for (let s = 0; s < total; s += batchSize) starts.push(s);
  const prepare = (k: number): Promise<B> => {
    const s = starts[k]!;
    const pending = plan.prepare(inputs.slice(s, s + batchSize), signal);
    // Mark handled now: it may reject while batch k is still running; awaiting it later rethrows.
    pending.catch(() => undefined);
    return pending;
  };
  const parts: Rows[] = [];
  let next: Promise<B> | undefined = starts.length > 0 ? prepare(0) : undefined;
  for (let k = 0; k < starts.length; k++) {
    const batch = await next!;
    throwIfAborted(signal);
    next = k + 1 < starts.length ? prepare(k + 1) : undefined;
    parts.push(await plan.infer(batch));
    plan.onProgress?.(Math.min(total, starts[k]! + batchSize), total);
    throwIfAborted(signal);
  }
  const dim = parts[0]?.dim ?? 0;
  const data = new Float32Array(total * dim);
  let offset = 0;
  for (const p of parts) {
    if (p.dim !== dim) {
      throw new ClipkitError("SHAPE_MISMATCH", `batches disagree on embedding width (${dim} vs ${p.dim})`);
    }
    data.set(p.data.subarray(0, p.count * p.dim), offset);
    offset += p.count * p.dim;
  }
  return { data, count: total, dim };
}
