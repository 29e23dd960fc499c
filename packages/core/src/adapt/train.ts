import { ClipkitError } from "../errors.js";
import type { ZeroShotHead } from "../zeroshot/head.js";
import { type LabelledEmbeddings, prepareData } from "./data.js";
import type { AdaptedHead, AdapterMethod } from "./head.js";
import { type FitScore, scoreLogits } from "./metrics.js";
import { trainLinearProbe, trainZeroShotProbe, type ZeroShotProbeOptions } from "./probe.js";
import { buildTipAdapter, type TipAdapterFOptions, trainTipAdapterF } from "./tip.js";

/** Every adapter's options; each method reads the ones it knows. */
export type TrainHeadOptions = ZeroShotProbeOptions &
  TipAdapterFOptions & {
    /** Needed by every method but `probe`: the zero-shot head to start from (its labels are the classes). */
    zeroShot?: ZeroShotHead;
  };

/** The adapter methods, for CLIs and sweeps. */
export const ADAPTER_METHODS: readonly AdapterMethod[] = ["probe", "zs-probe", "tip", "tip-f"];

/**
 * Trains a head with `method` (see {@link trainLinearProbe}, {@link trainZeroShotProbe},
 * {@link buildTipAdapter}, {@link trainTipAdapterF}).
 *
 * @throws ClipkitError `INVALID_ARGUMENT` for an unknown method or a missing zero-shot head.
 */
export function trainHead(
  method: AdapterMethod,
  data: LabelledEmbeddings,
  options: TrainHeadOptions = {},
): AdaptedHead {
  if (method === "probe") return trainLinearProbe(data, options);
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
  if (method === "zs-probe") return trainZeroShotProbe(zs, data, options);
  if (method === "tip") return buildTipAdapter(zs, data, options);
  return trainTipAdapterF(zs, data, options);
}

/** Top-1 accuracy (micro-F1 for multi-label heads) and mean cross-entropy of a head on labelled embeddings. */
export function evaluateHead(head: AdaptedHead, data: LabelledEmbeddings): FitScore {
  const prepared = prepareData(data, head.labels, head.adapter.multiLabel, "evaluation");
  return scoreLogits(head.logitsOfNormalized(prepared.x, prepared.n), prepared);
}
