export {
  type EvalModel,
  type EvalOptions,
  embedManifestImages,
  evaluateRetrieval,
  evaluateZeroShot,
  type RetrievalReport,
  type ZeroShotReport,
} from "./evaluate.js";
export { formatRetrieval, formatZeroShot } from "./format.js";
export { type EvalItem, type EvalManifest, parseEvalManifest, readEvalManifest } from "./manifest.js";
export { type RetrievalMetrics, retrievalMetrics, type ZeroShotMetrics, zeroShotMetrics } from "./metrics.js";
