import type { MatMul } from "../backend/matmul.js";
import type { Backend } from "../backend/session.js";
import { ClipkitError } from "../errors.js";
import type { ZeroShotHead } from "../zeroshot/head.js";
import { type LabelledEmbeddings, prepareData } from "./data.js";
import type { AdaptedHead, AdapterMethod } from "./head.js";
import { type FitScore, scoreLogits } from "./metrics.js";
import { probeSteps, type ZeroShotProbeOptions } from "./probe.js";
import { type AsyncStepsOptions, runSteps, runStepsAsync, type Steps } from "./steps.js";
import { type TipAdapterFOptions, tipSteps } from "./tip.js";

/** Every adapter's options; each method reads the ones it knows. */
export type TrainHeadOptions = ZeroShotProbeOptions &
  TipAdapterFOptions & {
    /** Needed by every method but `probe`: the zero-shot head to start from (its labels are the classes). */
    zeroShot?: ZeroShotHead;
  };

/** The adapter methods, for CLIs and sweeps. */
export const ADAPTER_METHODS: readonly AdapterMethod[] = ["probe", "zs-probe", "tip", "tip-f"];

/** Options of {@link trainHeadAsync}: {@link TrainHeadOptions} plus where the products run. */
export interface TrainHeadAsyncOptions extends TrainHeadOptions, AsyncStepsOptions {
  /**
   * The backend whose GEMM runs the large products (`backend.matmul()`, e.g. `nodeBackend()`):
   * opened for this training and released at its end. A backend without the capability, or none,
   * leaves every product on the WebAssembly kernel, as {@link trainHead}.
   */
  backend?: Backend;
  /** A GEMM to use instead of `backend`'s, e.g. one shared by several trainings (not released here). */
  matmul?: MatMul;
}

/** The training loop of `method`, its products yielded (see `steps.ts`). */
function headSteps(
  method: AdapterMethod,
  data: LabelledEmbeddings,
  options: TrainHeadOptions,
): Steps<AdaptedHead> {
  if (method === "probe") return probeSteps(data, options, undefined);
  const zs = options.zeroShot;
  if (!ADAPTER_METHODS.includes(method)) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `unknown adapter method ${JSON.stringify(method)} (${ADAPTER_METHODS.join(", ")})`,
      {
        details: { argument: "method" },
      },
    );
  }
  if (!zs) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `method ${method} starts from a zero-shot head: pass options.zeroShot`,
      {
        details: { argument: "zeroShot" },
      },
    );
  }
  if (method === "zs-probe") return probeSteps(data, options, zs);
  return tipSteps(zs, data, options, method === "tip-f");
}

/**
 * Trains a head with `method` (see {@link trainLinearProbe}, {@link trainZeroShotProbe},
 * {@link buildTipAdapter}, {@link trainTipAdapterF}), every product on the WebAssembly kernel.
 *
 * @throws ClipkitError `INVALID_ARGUMENT` for an unknown method or a missing zero-shot head.
 */
export function trainHead(
  method: AdapterMethod,
  data: LabelledEmbeddings,
  options: TrainHeadOptions = {},
): AdaptedHead {
  return runSteps(headSteps(method, data, options));
}

/**
 * {@link trainHead} with its large products (the probe's X·Wᵀ and Gᵀ·X, Tip-Adapter's
 * query × key similarities, Tip-Adapter-F's gradients) awaited on a backend's GEMM — onnxruntime's
 * MLAS with `nodeBackend()`, several times the WebAssembly kernel's speed per thread. The same
 * algorithm runs (one code path, see `steps.ts`); heads differ from {@link trainHead}'s only by
 * the float32 rounding of the GEMM, and are deterministic for a given backend and thread count.
 *
 * @example
 * ```ts
 * const head = await trainHeadAsync("tip", data, { zeroShot, backend: nodeBackend({ intraOpThreads: 2 }) });
 * ```
 * @throws ClipkitError as {@link trainHead}, and `INFERENCE_FAILED` when the runtime fails.
 */
export async function trainHeadAsync(
  method: AdapterMethod,
  data: LabelledEmbeddings,
  options: TrainHeadAsyncOptions = {},
): Promise<AdaptedHead> {
  const steps = headSteps(method, data, options);
  const owned = options.matmul ? undefined : options.backend?.matmul?.();
  const matmul = options.matmul ?? owned;
  if (!matmul) return runSteps(steps);
  try {
    return await runStepsAsync(steps, matmul, options);
  } finally {
    await owned?.release();
  }
}

/** Top-1 accuracy (micro-F1 for multi-label heads) and mean cross-entropy of a head on labelled embeddings. */
export function evaluateHead(head: AdaptedHead, data: LabelledEmbeddings): FitScore {
  const prepared = prepareData(data, head.labels, head.adapter.multiLabel, "evaluation");
  return scoreLogits(head.logitsOfNormalized(prepared.x, prepared.n), prepared);
}
