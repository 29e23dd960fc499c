import {
  type Backend,
  ClipkitError,
  type InferenceSession,
  type SessionOptions,
  sessionMatMul,
  sessionMatMulTopK,
  type Tensor,
  type ValueInfo,
  wrapError,
} from "@clipkit/core";
import * as ortDefault from "onnxruntime-web";
import { fromOrtTensor, toOrtTensor } from "./tensor.js";

/** Execution providers this backend drives. */
export type WebExecutionProvider = "webgpu" | "wasm";

/** Where onnxruntime-web loads its runtime (`ort-wasm-simd-threaded.jsep.{mjs,wasm}`) from. */
export type WasmPaths = string | { readonly wasm?: string; readonly mjs?: string };

/** The part of `navigator.gpu` needed to tell whether WebGPU can run here. */
export interface WebGpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<unknown>;
}

/** Options of {@link webBackend}. */
export interface WebBackendOptions {
  /**
   * Execution providers in preference order (default `["wasm"]`). With `["webgpu", "wasm"]` a
   * browser without a WebGPU adapter falls back to wasm; with `["webgpu"]` it fails with
   * `BACKEND_UNAVAILABLE`. {@link WebInferenceSession.executionProvider} tells which one ran.
   */
  executionProviders?: readonly WebExecutionProvider[];
  /**
   * URL prefix (ending in `/`) or explicit URLs of the runtime files, served by your app — copy
   * them from `node_modules/onnxruntime-web/dist/`. Default: next to the bundled onnxruntime-web.
   */
  wasmPaths?: WasmPaths;
  /**
   * wasm threads. Multi-threading needs `crossOriginIsolated` (COOP/COEP headers); without it
   * onnxruntime-web runs single-threaded. Default: onnxruntime-web's choice. The per-session
   * `intraOpThreads` of core's `SessionOptions` is ignored: the page has one wasm thread pool.
   */
  numThreads?: number;
  /** The WebGPU entry point (default `globalThis.navigator.gpu`); `null` means "no WebGPU". */
  gpu?: WebGpuLike | null;
  /** The onnxruntime-web module to use (default: the `onnxruntime-web` import). */
  runtime?: typeof ortDefault;
}

/** A session that also says which execution provider it runs on. */
export interface WebInferenceSession extends InferenceSession {
  readonly executionProvider: WebExecutionProvider;
}

/** A {@link Backend} over onnxruntime-web whose sessions report their execution provider. */
export interface WebBackend extends Backend {
  createSession(
    model: Uint8Array,
    options?: SessionOptions & { label?: string },
  ): Promise<WebInferenceSession>;
}

/**
 * Creates clipkit's browser backend over onnxruntime-web (wasm or WebGPU).
 *
 * onnxruntime-web keeps its wasm settings (`wasmPaths`, `numThreads`) in one module-wide `env`
 * that it reads when the first session starts, so every backend in a page should agree on them.
 */
export function webBackend(options: WebBackendOptions = {}): WebBackend {
  const runtime = options.runtime ?? ortDefault;
  const preferred = options.executionProviders ?? ["wasm"];
  validateOptions(preferred, options.numThreads);
  let gpuCheck: Promise<string | undefined> | undefined;
  const webgpuProblem = () => {
    gpuCheck ??= probeWebGpu(options.gpu === undefined ? defaultGpu() : options.gpu);
    return gpuCheck;
  };

  return {
    name: "onnxruntime-web",
    async createSession(model, sessionOptions = {}) {
      const label = sessionOptions.label ?? "model.onnx";
      if (options.wasmPaths !== undefined) runtime.env.wasm.wasmPaths = options.wasmPaths as never;
      if (options.numThreads !== undefined) runtime.env.wasm.numThreads = options.numThreads;
      const requested =
        (sessionOptions.executionProviders as WebExecutionProvider[] | undefined) ?? preferred;
      const reasons: string[] = [];
      for (const ep of requested) {
        if (ep !== "wasm" && ep !== "webgpu") {
          reasons.push(`${ep}: not an onnxruntime-web execution provider this backend drives`);
          continue;
        }
        const problem = ep === "webgpu" ? await webgpuProblem() : undefined;
        if (problem) {
          reasons.push(`webgpu: ${problem}`);
          continue;
        }
        let session: ortDefault.InferenceSession;
        try {
          session = await runtime.InferenceSession.create(model, {
            executionProviders: [ep],
            graphOptimizationLevel: sessionOptions.graphOptimization ?? "all",
            ...(sessionOptions.externalData
              ? { externalData: sessionOptions.externalData.map((f) => ({ path: f.path, data: f.data })) }
              : {}),
          });
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          // onnxruntime-web reports a runtime that failed to start this way; anything else is the model.
          if (/no available backend|backend not found|failed to initialize/i.test(message)) {
            reasons.push(`${ep}: ${message}`);
            continue;
          }
          throw wrapError(error, "MODEL_LAYOUT_UNSUPPORTED", `onnxruntime-web could not load ${label}`, {
            file: label,
            executionProvider: ep,
          });
        }
        return wrapSession(runtime, session, ep, label);
      }
      throw new ClipkitError(
        "BACKEND_UNAVAILABLE",
        `no requested execution provider can run ${label} here (${reasons.join("; ")})`,
        { details: { file: label, requested, reasons } },
      );
    },
    // The "matmul top-k" capability: a Gemm + TopK graph on this backend's own sessions (wasm or
    // WebGPU), for FlatIndex.searchAsync. onnxruntime-web copies inputs into its heap per run.
    matmulTopK(matmulOptions) {
      return sessionMatMulTopK((model, o) => this.createSession(model, o), matmulOptions);
    },
    // The "matmul" capability (A·Bᵀ on the same sessions) the few-shot trainers' async path awaits.
    matmul(matmulOptions) {
      return sessionMatMul((model, o) => this.createSession(model, o), matmulOptions);
    },
  };
}

function validateOptions(preferred: readonly string[], numThreads: number | undefined): void {
  if (preferred.length === 0) {
    throw new ClipkitError("INVALID_ARGUMENT", "executionProviders must name at least one provider", {
      details: { argument: "executionProviders" },
    });
  }
  if (numThreads !== undefined && (!Number.isInteger(numThreads) || numThreads < 0)) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `numThreads must be a non-negative integer, got ${numThreads}`,
      {
        details: { argument: "numThreads" },
      },
    );
  }
}

function defaultGpu(): WebGpuLike | null {
  const nav = (globalThis as { navigator?: { gpu?: WebGpuLike } }).navigator;
  return nav?.gpu ?? null;
}

/** Returns why WebGPU cannot run here, or undefined when an adapter is available. */
async function probeWebGpu(gpu: WebGpuLike | null): Promise<string | undefined> {
  if (!gpu) return "navigator.gpu is missing (WebGPU needs a supporting browser and a secure context)";
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? undefined : "the browser offers no WebGPU adapter";
  } catch (error) {
    return `requestAdapter failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function describe(list: readonly ortDefault.InferenceSession.ValueMetadata[]): ValueInfo[] {
  return list.map((m) =>
    m.isTensor ? { name: m.name, type: m.type, dims: [...m.shape] } : { name: m.name },
  );
}

function wrapSession(
  runtime: typeof ortDefault,
  session: ortDefault.InferenceSession,
  executionProvider: WebExecutionProvider,
  label: string,
): WebInferenceSession {
  let released = false;
  return {
    executionProvider,
    inputs: describe(session.inputMetadata),
    outputs: describe(session.outputMetadata),
    // `preallocated` outputs are not passed on: onnxruntime-web 1.30 copies a pre-allocated CPU
    // tensor into its heap, runs, and returns the JavaScript tensor without copying the result
    // back (wasm-core-impl.ts), so the values would be lost. Callers copy from the result instead.
    async run(feeds, outputNames) {
      if (released) {
        throw new ClipkitError("INFERENCE_FAILED", `${label}: session was released`, {
          details: { file: label },
        });
      }
      const ortFeeds: Record<string, ortDefault.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(runtime, name, t);
      let results: ortDefault.InferenceSession.ReturnType;
      try {
        results = outputNames ? await session.run(ortFeeds, [...outputNames]) : await session.run(ortFeeds);
      } catch (error) {
        throw wrapError(error, "INFERENCE_FAILED", `${label}: inference failed on ${executionProvider}`, {
          file: label,
          executionProvider,
          feeds: Object.keys(feeds),
        });
      }
      const out: Record<string, Tensor> = {};
      for (const [name, value] of Object.entries(results)) {
        out[name] = await fromOrtTensor(name, value);
        value.dispose();
      }
      return out;
    },
    async release() {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}
