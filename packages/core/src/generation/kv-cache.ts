/**
 * KV-cache plumbing for Hugging Face / Optimum / transformers.js decoder exports:
 * inputs `past_key_values.{i}.key|value` (or `.decoder.*` self-attention and `.encoder.*`
 * cross-attention for encoder-decoders), outputs `present.*` with the same suffix, and an
 * optional `use_cache_branch` flag on merged decoders. Tensors are [batch, heads, seq, headDim].
 */
import type { InferenceSession, Tensor, TensorType, ValueInfo } from "../backend/session.js";
import { float16ToFloat32, tensor } from "../backend/tensor.js";
import { ClipkitError } from "../errors.js";

/** One cache slot: the graph input it feeds and the output that refreshes it. */
export interface KvEntry {
  readonly past: string;
  readonly present: string;
  /** `cross` slots (`.encoder.`) are computed on the first step and then reused. */
  readonly kind: "self" | "cross";
  readonly info: ValueInfo;
}

/** What a decoder session's cache looks like. */
export interface KvCacheLayout {
  readonly entries: readonly KvEntry[];
  /** The merged decoder has a `use_cache_branch` input. */
  readonly useCacheBranch: boolean;
}

const PAST = /^past_key_values\.(\d+)\.(?:(decoder|encoder)\.)?(key|value)$/;

/** Reads the cache inputs of `session` and pairs each with its `present.*` output. */
export function describeKvCache(session: InferenceSession, label: string): KvCacheLayout {
  const outputs = new Set(session.outputs.map((o) => o.name));
  const entries: KvEntry[] = [];
  for (const info of session.inputs) {
    const m = PAST.exec(info.name);
    if (!m) continue;
    const present = info.name.replace(/^past_key_values\./, "present.");
    if (!outputs.has(present)) {
      throw new ClipkitError(
        "MODEL_TENSOR_MISSING",
        `${label}: cache input "${info.name}" has no output "${present}"`,
        {
          details: { file: label, tensor: present },
        },
      );
    }
    entries.push({ past: info.name, present, kind: m[2] === "encoder" ? "cross" : "self", info });
  }
  return { entries, useCacheBranch: session.inputs.some((i) => i.name === "use_cache_branch") };
}

/** Fallback sizes for symbolic head dimensions (from config.json). */
export interface KvShapeHints {
  readonly numHeads?: number;
  readonly headDim?: number;
}

function emptyTensor(entry: KvEntry, rows: number, hints: KvShapeHints, label: string): Tensor {
  const declared = entry.info.dims ?? ["batch", hints.numHeads ?? -1, "past", hints.headDim ?? -1];
  const dims = declared.map((d, axis) => {
    if (axis === 0) return rows;
    // Past length is the symbolic axis 2: empty on the first step.
    if (axis === 2) return 0;
    if (typeof d === "number" && d > 0) return d;
    const hint = axis === 1 ? hints.numHeads : axis === 3 ? hints.headDim : undefined;
    if (hint === undefined) {
      throw new ClipkitError(
        "MODEL_CONFIG_INVALID",
        `${label}: cannot size empty cache "${entry.past}": axis ${axis} is ${JSON.stringify(d)} and config.json gives no head count/size`,
        { details: { file: label, tensor: entry.past } },
      );
    }
    return hint;
  });
  const type: TensorType = entry.info.type === "float16" ? "float16" : "float32";
  return type === "float16"
    ? tensor("float16", new Uint16Array(0), dims)
    : tensor("float32", new Float32Array(0), dims);
}

/** Rows of `t` along axis 0: new row i is old row `indices[i]`. */
export function gatherBatch(t: Tensor, indices: readonly number[]): Tensor {
  const rowSize = t.dims.slice(1).reduce((a, b) => a * b, 1);
  const Ctor = t.data.constructor as new (n: number) => typeof t.data;
  const out = new Ctor(indices.length * rowSize);
  indices.forEach((src, i) => {
    // biome-ignore lint/suspicious/noExplicitAny: typed arrays share set/subarray but not one type
    (out as any).set((t.data as any).subarray(src * rowSize, (src + 1) * rowSize), i * rowSize);
  });
  return { type: t.type, dims: [indices.length, ...t.dims.slice(1)], data: out } as Tensor;
}

/** The live cache of one generation call. */
export class KvCache {
  #tensors = new Map<string, Tensor>();
  #rows: number;

  constructor(
    readonly layout: KvCacheLayout,
    rows: number,
    private readonly hints: KvShapeHints,
    private readonly label: string,
  ) {
    this.#rows = rows;
  }

  /** Whether a previous step filled the cache. */
  get filled(): boolean {
    return this.#tensors.size > 0;
  }

  /** Cache feeds for the next run: the stored tensors, or empty ones before the first step. */
  feeds(): Record<string, Tensor> {
    const feeds: Record<string, Tensor> = {};
    for (const e of this.layout.entries) {
      feeds[e.past] = this.#tensors.get(e.past) ?? emptyTensor(e, this.#rows, this.hints, this.label);
    }
    if (this.layout.useCacheBranch)
      feeds.use_cache_branch = tensor("bool", Uint8Array.of(this.filled ? 1 : 0), [1]);
    return feeds;
  }

  /** Empty cache feeds (no-cache mode re-runs the full sequence every step). */
  emptyFeeds(): Record<string, Tensor> {
    const feeds: Record<string, Tensor> = {};
    for (const e of this.layout.entries) feeds[e.past] = emptyTensor(e, this.#rows, this.hints, this.label);
    if (this.layout.useCacheBranch) feeds.use_cache_branch = tensor("bool", Uint8Array.of(0), [1]);
    return feeds;
  }

  /** Stores `present.*` outputs; cross-attention slots keep their first-step value. */
  update(outputs: Readonly<Record<string, Tensor>>): void {
    for (const e of this.layout.entries) {
      if (e.kind === "cross" && this.#tensors.has(e.past)) continue;
      const t = outputs[e.present];
      if (!t) {
        throw new ClipkitError(
          "MODEL_TENSOR_MISSING",
          `${this.label}: output "${e.present}" was not produced`,
          {
            details: { file: this.label, tensor: e.present },
          },
        );
      }
      this.#tensors.set(e.past, t);
    }
  }

  /** Reorders (or expands) the cached rows: new row i continues old row `indices[i]`. */
  reorder(indices: readonly number[]): void {
    for (const [name, t] of this.#tensors) this.#tensors.set(name, gatherBatch(t, indices));
    this.#rows = indices.length;
  }

  /** Output names to request from the session. */
  outputNames(): string[] {
    return this.layout.entries.map((e) => e.present);
  }
}

/**
 * One decoder step shared by every layout: asks for `logits` (plus `present.*` when caching),
 * stores the new cache, and returns the last position's logits of each row.
 */
export async function runDecoderStep(
  decoder: InferenceSession,
  feeds: Readonly<Record<string, Tensor>>,
  cache: KvCache,
  useCache: boolean,
  label: string,
): Promise<{ logits: Float32Array; vocabSize: number }> {
  const out = await decoder.run(feeds, ["logits", ...(useCache ? cache.outputNames() : [])]);
  if (useCache) cache.update(out);
  const logits = out.logits;
  if (!logits) {
    throw new ClipkitError("MODEL_TENSOR_MISSING", `${label}: output "logits" was not produced`, {
      details: { file: label, tensor: "logits" },
    });
  }
  return lastLogits(logits, label);
}

/** The last position's logits of each row of a [rows, seq, vocab] output, as float32 rows. */
export function lastLogits(logits: Tensor, label: string): { logits: Float32Array; vocabSize: number } {
  if (logits.dims.length !== 3) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `${label}: logits have dims [${logits.dims.join(", ")}], expected 3 axes`,
      {
        details: { file: label, tensor: "logits" },
      },
    );
  }
  const [rows, seq, vocab] = logits.dims as [number, number, number];
  if (logits.type !== "float32" && logits.type !== "float16") {
    throw new ClipkitError(
      "DTYPE_MISMATCH",
      `${label}: logits are ${logits.type}, expected float32/float16`,
      {
        details: { file: label, tensor: "logits" },
      },
    );
  }
  const out = new Float32Array(rows * vocab);
  for (let r = 0; r < rows; r++) {
    const start = (r * seq + seq - 1) * vocab;
    if (logits.type === "float32")
      out.set((logits.data as Float32Array).subarray(start, start + vocab), r * vocab);
    else out.set(float16ToFloat32((logits.data as Uint16Array).subarray(start, start + vocab)), r * vocab);
  }
  return { logits: out, vocabSize: vocab };
}
