import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import {
  type Backend,
  ClipkitError,
  checkExternalLocation,
  type InferenceSession,
  isClipkitError,
  type SessionOptions,
  type Tensor,
  type ValueInfo,
  wrapError,
} from "@clipkit/core";
import * as ort from "onnxruntime-node";
import { collectBeforeCreate } from "./collect.js";
import { nodeMatMul } from "./matmul.js";
import { nodeMatMulTopK } from "./matmul-topk.js";
import { fromOrtTensor, toOrtTensor } from "./tensor.js";

/** Options of {@link nodeBackend}: defaults for every session it creates. */
export interface NodeBackendOptions extends SessionOptions {
  /** Threads running independent operators in parallel (0 = runtime default). */
  interOpThreads?: number;
  /**
   * onnxruntime's own log level for the session: 0 verbose, 1 info, 2 warning, 3 error (default),
   * 4 fatal. onnxruntime's default, 2, prints harmless warnings in colour on stderr while loading
   * many hub exports (e.g. "Removing initializer … not used by any node"); failures reach callers
   * as `ClipkitError`s either way, so clipkit defaults to errors only.
   */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  /**
   * onnxruntime's CPU memory arena (`enableCpuMemArena`): keeps freed activation buffers for
   * reuse instead of returning them. Default {@link DEFAULT_CPU_MEM_ARENA}.
   */
  cpuMemArena?: boolean;
  /**
   * onnxruntime's memory pattern planning (`enableMemPattern`): pre-plans one block for a run's
   * activations from the shapes of earlier runs. Default {@link DEFAULT_MEM_PATTERN}.
   */
  memPattern?: boolean;
  /**
   * Whether idle intra-op threads spin-wait for the next operator (onnxruntime's
   * `session.intra_op.allow_spinning`; unset = onnxruntime's default, spinning). Spinning keeps
   * a core busy for a while after each run, which on a machine with few cores slows the work
   * that follows (issue #18: a wasm scan right after a 2-thread GEMM ran at the GEMM's speed).
   */
  allowSpinning?: boolean;
}

/**
 * Default of {@link NodeBackendOptions.cpuMemArena}, picked with bench/pipeline.bench.ts on a
 * ViT-B/32 (see docs/performance.md).
 */
export const DEFAULT_CPU_MEM_ARENA = true;
/** Default of {@link NodeBackendOptions.memPattern} (see {@link DEFAULT_CPU_MEM_ARENA}). */
export const DEFAULT_MEM_PATTERN = true;

/** Session options plus the label that names the model file in errors. */
export type NodeSessionOptions = NodeBackendOptions & { label?: string };

function metadata(list: readonly ort.InferenceSession.ValueMetadata[]): ValueInfo[] {
  return list.map((m) =>
    m.isTensor ? { name: m.name, type: m.type, dims: [...m.shape] } : { name: m.name },
  );
}

function checkProviders(providers: readonly string[], label: string): void {
  const supported = ort.listSupportedBackends().map((b) => b.name);
  for (const p of providers) {
    if (!supported.includes(p)) {
      throw new ClipkitError(
        "BACKEND_UNAVAILABLE",
        `${label}: execution provider "${p}" is not available in onnxruntime-node (available: ${supported.join(", ")})`,
        { details: { provider: p, available: supported } },
      );
    }
  }
}

function ortOptions(options: NodeSessionOptions): ort.InferenceSession.SessionOptions {
  return {
    ...(options.executionProviders ? { executionProviders: [...options.executionProviders] } : {}),
    ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
    ...(options.interOpThreads ? { interOpNumThreads: options.interOpThreads } : {}),
    ...(options.graphOptimization ? { graphOptimizationLevel: options.graphOptimization } : {}),
    logSeverityLevel: options.logSeverityLevel ?? 3,
    enableCpuMemArena: options.cpuMemArena ?? DEFAULT_CPU_MEM_ARENA,
    enableMemPattern: options.memPattern ?? DEFAULT_MEM_PATTERN,
    ...(options.allowSpinning === undefined
      ? {}
      : { extra: { session: { intra_op: { allow_spinning: options.allowSpinning ? "1" : "0" } } } }),
  };
}

/**
 * onnxruntime-node reads external data only from disk next to the model, so a graph with
 * `X.onnx_data` is written to a private temp folder, loaded by path, and the folder removed.
 */
async function createWithExternalData(
  model: Uint8Array,
  options: NodeSessionOptions,
  label: string,
): Promise<ort.InferenceSession> {
  const dir = await mkdtemp(join(tmpdir(), "clipkit-ort-"));
  try {
    const path = join(dir, basename(label.endsWith(".onnx") ? label : "model.onnx"));
    await writeFile(path, model);
    for (const e of options.externalData ?? []) {
      // Staged at the recorded location (sub-folders included) next to the graph, so the load
      // never depends on the working directory; the location is re-checked before any write.
      const target = join(dir, checkExternalLocation(e.path, label));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, e.data);
    }
    return await ort.InferenceSession.create(path, ortOptions(options));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

class NodeSession implements InferenceSession {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  #session: ort.InferenceSession | undefined;

  constructor(
    session: ort.InferenceSession,
    readonly label: string,
  ) {
    this.#session = session;
    this.inputs = metadata(session.inputMetadata);
    this.outputs = metadata(session.outputMetadata);
  }

  async run(
    feeds: Readonly<Record<string, Tensor>>,
    outputNames?: readonly string[],
    preallocated?: Readonly<Record<string, Tensor>>,
  ): Promise<Record<string, Tensor>> {
    const session = this.#session;
    if (!session) throw new ClipkitError("INFERENCE_FAILED", `${this.label}: session was released`);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(t, name);
    let result: ort.InferenceSession.OnnxValueMapType;
    try {
      if (preallocated) {
        // onnxruntime-node binds a pre-allocated output's ArrayBuffer as the result's memory: the
        // kernel writes into the caller's array (it still hands back a copy, which is dropped).
        const fetches: Record<string, ort.Tensor | null> = {};
        for (const name of outputNames ?? session.outputNames) fetches[name] = null;
        for (const [name, t] of Object.entries(preallocated)) fetches[name] = toOrtTensor(t, name);
        result = await session.run(ortFeeds, fetches);
      } else {
        result = outputNames ? await session.run(ortFeeds, [...outputNames]) : await session.run(ortFeeds);
      }
    } catch (error) {
      throw wrapError(error, "INFERENCE_FAILED", `${this.label}: inference failed`, { file: this.label });
    }
    const out: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(result)) {
      out[name] = preallocated?.[name] ?? fromOrtTensor(value as ort.Tensor, name);
    }
    return out;
  }

  async release(): Promise<void> {
    const s = this.#session;
    this.#session = undefined;
    await s?.release();
  }
}

async function open(
  model: Uint8Array | string,
  options: NodeSessionOptions,
  label: string,
): Promise<ort.InferenceSession> {
  try {
    if (typeof model === "string") {
      await collectBeforeCreate(model);
      return await ort.InferenceSession.create(model, ortOptions(options));
    }
    return options.externalData && options.externalData.length > 0
      ? await createWithExternalData(model, options, label)
      : await ort.InferenceSession.create(model, ortOptions(options));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // ort reports an unusable provider (e.g. CUDA without its libraries) only at creation time.
    const code = /ExecutionProvider|provider|cuda|tensorrt|webgpu|dml|coreml/i.test(message)
      ? "BACKEND_UNAVAILABLE"
      : "MODEL_LAYOUT_UNSUPPORTED";
    throw wrapError(error, code, `${label}: onnxruntime-node could not load the graph`, { file: label });
  }
}

/**
 * Creates one onnxruntime-node session from ONNX bytes, or from the path of a graph file (then
 * onnxruntime reads it and its external-data files itself, relative to the graph's folder, and no
 * copy of the weights lives in JavaScript memory; `externalData` is ignored). `executionProviders`
 * is a preference list: onnxruntime-node fails the whole session when one provider cannot start
 * (e.g. `cuda` without its libraries), so clipkit retries with the next one and only fails, with
 * `BACKEND_UNAVAILABLE` naming every provider's reason, when none starts.
 */
export async function createSession(
  model: Uint8Array | string,
  options: NodeSessionOptions = {},
): Promise<InferenceSession> {
  const label = options.label ?? "model.onnx";
  const providers = options.executionProviders;
  if (!providers || providers.length <= 1) {
    if (providers) checkProviders(providers, label);
    return new NodeSession(await open(model, options, label), label);
  }
  const reasons: string[] = [];
  for (let i = 0; i < providers.length; i++) {
    const provider = providers[i]!;
    try {
      checkProviders([provider], label);
      return new NodeSession(await open(model, { ...options, executionProviders: [provider] }, label), label);
    } catch (error) {
      if (!isClipkitError(error, "BACKEND_UNAVAILABLE")) throw error;
      reasons.push(`${provider}: ${error.message}`);
    }
  }
  throw new ClipkitError(
    "BACKEND_UNAVAILABLE",
    `${label}: no execution provider could start:\n${reasons.join("\n")}`,
    {
      details: { file: label, providers },
    },
  );
}

/**
 * The onnxruntime-node {@link Backend}. `defaults` apply to every session; per-call options win.
 *
 * @example
 * ```ts
 * const backend = nodeBackend({ executionProviders: ["cuda", "cpu"], intraOpThreads: 4 });
 * ```
 */
export function nodeBackend(defaults: NodeBackendOptions = {}): Backend {
  // Sessions open lazily (on a tower's first run), so a provider this build lacks altogether is
  // reported here, when the backend is made, rather than at the first embedding call.
  const providers = defaults.executionProviders;
  if (providers && providers.length > 0) {
    const supported = ort.listSupportedBackends().map((b) => b.name);
    if (!providers.some((p) => supported.includes(p))) checkProviders(providers, "nodeBackend");
  }
  return {
    name: "onnxruntime-node",
    createSession: (model, options) => createSession(model, { ...defaults, ...options }),
    matmulTopK: (options) => nodeMatMulTopK({ ...defaults, ...options }),
    matmul: (options) => nodeMatMul({ ...defaults, ...options }),
    createSessionFromPath: (path, options) => createSession(path, { ...defaults, label: path, ...options }),
    sha256: (parts) => {
      const hash = createHash("sha256");
      for (const p of parts) hash.update(p);
      return new Uint8Array(hash.digest());
    },
  };
}
