export { type LabelledEmbeddings, labelsOf } from "./data.js";
export {
  AdaptedHead,
  type AdaptedHeadInit,
  type AdapterCache,
  type AdapterMethod,
  type AdapterRecord,
} from "./head.js";
export { type LbfgsOptions, type LbfgsResult, minimizeLbfgs, type Objective } from "./lbfgs.js";
export type { FitScore } from "./metrics.js";
export {
  type AdaptedHeadFileHeader,
  type HeadTensor,
  loadAdaptedHead,
  loadAnyHead,
  saveAdaptedHead,
} from "./persist.js";
export {
  DEFAULT_ALPHA_GRID,
  DEFAULT_LAMBDA_GRID,
  DEFAULT_PROBE_TOLERANCE,
  type ProbeOptions,
  trainLinearProbe,
  trainZeroShotProbe,
  type ZeroShotProbeOptions,
} from "./probe.js";
export type { SelectionOptions } from "./protocol.js";
export { type Random, seededRandom, shuffled } from "./rng.js";
export { type AsyncStepsOptions, DEFAULT_BACKEND_MIN_MULTIPLY_ADDS } from "./steps.js";
export {
  buildTipAdapter,
  DEFAULT_TIP_ALPHA_GRID,
  DEFAULT_TIP_BETA_GRID,
  DEFAULT_TIP_LOO_PAIRS,
  DEFAULT_TIP_LOO_QUERIES,
  defaultLooQueries,
  type TipAdapterFOptions,
  type TipAdapterOptions,
  trainTipAdapterF,
} from "./tip.js";
export type { TipFineTuneOptions } from "./tip-finetune.js";
export {
  ADAPTER_METHODS,
  evaluateHead,
  type TrainHeadAsyncOptions,
  type TrainHeadOptions,
  trainHead,
  trainHeadAsync,
} from "./train.js";
