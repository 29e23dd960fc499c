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
  /**
   * Start with smaller batches ({@link rampSizes}) so the first inference waits for a few inputs
   * to be prepared, not for a whole batch. Only for graphs whose rows do not depend on the batch
   * they run in (onnxruntime's CPU kernels compute each row the same whatever the batch size;
   * dynamically quantised graphs do not, and run one input at a time anyway).
   */
  readonly ramp?: boolean;
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
  const sizes: number[] = [];
  const ramp = plan.ramp ? rampSizes(batchSize) : [];
  for (let s = 0; s < total; ) {
    const size = Math.min(ramp[starts.length] ?? batchSize, total - s);
    starts.push(s);
    sizes.push(size);
    s += size;
  }
  const prepare = (k: number): Promise<B> => {
    const s = starts[k]!;
    const pending = plan.prepare(inputs.slice(s, s + sizes[k]!), signal);
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
    plan.onProgress?.(starts[k]! + sizes[k]!, total);
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

/**
 * Batch sizes that lead up to `batchSize`: `⌈batchSize / 16⌉` first, then ×4 while below it
 * (8 → 1, 4, 8; 32 → 2, 8, 32). While batch k runs, batch k+1 (at most 4× its size) is prepared;
 * preparing one input takes a fraction of inferring it, so only the first, small batch is waited
 * for. Measured on a ViT-B/32 (bench/pipeline.bench.ts): the wait before the first inference was
 * the largest part of the gap to a raw `run` on pre-built tensors.
 */
export function rampSizes(batchSize: number): number[] {
  const sizes: number[] = [];
  for (let s = Math.max(1, Math.ceil(batchSize / 16)); s < batchSize; s *= 4) sizes.push(s);
  return sizes;
}
