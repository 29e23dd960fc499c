/**
 * The seam between clipkit's model logic (in core) and an inference runtime (in a backend package).
 * A backend implements {@link Backend}; everything else — tokenising, preprocessing, batching,
 * generation — is written once against these types. Keep this file small.
 */

import type { MatMul } from "./matmul.js";
import type { MatMulTopK } from "./matmul-topk.js";

/** Element types clipkit exchanges with runtimes. */
export type TensorType = "float32" | "float16" | "int64" | "int32" | "int8" | "uint8" | "bool";

/** Typed-array storage for each {@link TensorType}. `float16` travels as raw bits in a Uint16Array. */
export interface TensorDataMap {
  float32: Float32Array;
  float16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

/** A dense, row-major tensor that does not depend on any runtime's classes. */
export interface Tensor<T extends TensorType = TensorType> {
  readonly type: T;
  readonly dims: readonly number[];
  readonly data: TensorDataMap[T];
}

/** Declared shape of a graph input or output; symbolic dimensions are strings (e.g. "batch_size"). */
export interface ValueInfo {
  readonly name: string;
  /** Element type where the runtime reports it. */
  readonly type?: TensorType | string;
  /** Dimensions where the runtime reports them: numbers are fixed, strings symbolic, -1 unknown. */
  readonly dims?: readonly (number | string)[];
}

/** A loaded graph ready to run. */
export interface InferenceSession {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /**
   * Runs the graph. `outputNames` limits what is computed/returned (all outputs when omitted).
   * Implementations must wrap runtime failures in `ClipkitError("INFERENCE_FAILED")` and remain
   * usable after a failed run.
   *
   * `preallocated` (optional) offers output tensors of the exact result shape for the runtime to
   * write into (onnxruntime's pre-allocated outputs); a runtime that does so returns those very
   * tensors. Runtimes that cannot (or a backend that does not try) return their own tensors, so
   * a caller that needs the values in its buffer compares `result[name].data` with its own and
   * copies when they differ. Names here are computed whether or not `outputNames` lists them.
   */
  run(
    feeds: Readonly<Record<string, Tensor>>,
    outputNames?: readonly string[],
    preallocated?: Readonly<Record<string, Tensor>>,
  ): Promise<Record<string, Tensor>>;
  /** Frees native resources. Further runs fail. */
  release(): Promise<void>;
}

/** Options every backend understands; backends may accept more. */
export interface SessionOptions {
  /** Execution providers in preference order, e.g. `["cuda", "cpu"]` or `["webgpu", "wasm"]`. */
  executionProviders?: readonly string[];
  /** Threads for one operator (0 or undefined = runtime default). */
  intraOpThreads?: number;
  /** Graph optimisation level. */
  graphOptimization?: "disabled" | "basic" | "extended" | "all";
  /**
   * External-data files keyed by the location the graph's initializers record (relative to the
   * graph's folder, e.g. `"model.onnx_data"` or `"weights/vision.bin"`; see `readGraph`).
   */
  externalData?: ReadonlyArray<{ path: string; data: Uint8Array }>;
}

/** A runtime adapter: the only object a user passes to swap Node for the browser. */
export interface Backend {
  /** Short name for messages, e.g. `"onnxruntime-node"`. */
  readonly name: string;
  /** Creates a session from ONNX bytes. `label` names the model file in errors. */
  createSession(model: Uint8Array, options?: SessionOptions & { label?: string }): Promise<InferenceSession>;
  /**
   * Optional "matmul top-k" capability: the runtime's GEMM followed by TopK, used by `FlatIndex`
   * for batched exact search (see `sessionMatMulTopK`). `options` override the backend defaults.
   */
  matmulTopK?(options?: SessionOptions): MatMulTopK;
  /** Optional "matmul" capability: `A · Bᵀ` on the runtime's GEMM (see `sessionMatMul`), for the few-shot trainers. */
  matmul?(options?: SessionOptions): MatMul;
  /**
   * Creates a session from a graph file on the local file system, the runtime reading it (and the
   * external-data files its initializers name, relative to its folder) itself: no copy of the
   * weights in JavaScript memory. Optional; clipkit uses it when {@link ModelFiles.localPath}
   * gives a path, and falls back to {@link createSession} otherwise.
   */
  createSessionFromPath?(
    path: string,
    options?: SessionOptions & { label?: string },
  ): Promise<InferenceSession>;
  /**
   * Optional: SHA-256 of the concatenation of `parts` (32 bytes) by the platform's native hash,
   * for the space fingerprint (`sampledFingerprint`). Without it clipkit uses Web Crypto, which
   * needs the parts joined into one copy and, in Node, waits for a libuv pool thread (measured on a
   * busy 2-core machine: ~0.3–0.8 s for a ViT-B/32's 8 MiB of samples, against ~25 ms with
   * `node:crypto`). The digest is the same either way, so ids do not depend on the backend.
   */
  sha256?(parts: readonly Uint8Array[]): Uint8Array | Promise<Uint8Array>;
}

/**
 * Read access to a model folder, whatever stores it (disk, HTTP, a map of uploaded files).
 * Paths are relative, with `/` separators, e.g. `"onnx/text_model.onnx"`.
 */
export interface ModelFiles {
  /** Human-readable location for error messages (a directory path or base URL). */
  readonly location: string;
  exists(path: string): Promise<boolean>;
  /** Reads a file; throws `ClipkitError("MODEL_FILE_MISSING")` naming the path when absent. */
  read(path: string): Promise<Uint8Array>;
  /** Reads and decodes a UTF-8 text file. */
  readText(path: string): Promise<string>;
  /**
   * Optional: the absolute path of a file on the local file system, for runtimes that open graphs
   * by path (see {@link Backend.createSessionFromPath}).
   */
  localPath?(path: string): string;
  /** Optional: a file's size in bytes (with {@link readRange}, lets clipkit scan big graphs without reading them). */
  size?(path: string): Promise<number>;
  /**
   * Optional: `length` bytes from `offset` (fewer only at the end of the file). Throws like
   * {@link read}.
   */
  readRange?(path: string, offset: number, length: number): Promise<Uint8Array>;
}
