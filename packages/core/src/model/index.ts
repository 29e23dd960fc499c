export { type BatchPlan, type Rows, runBatches } from "./batches.js";
export { type ModelConfig, parseModelConfig } from "./config.js";
export { createClipModel } from "./create.js";
export { DTYPE_SUFFIXES, MODEL_DTYPES, type ModelDtype, onnxPath, parseDtype } from "./dtype.js";
export {
  checkExternalLocation,
  externalDataLocations,
  type GraphBytes,
  graphOpTypes,
  isDynamicallyQuantized,
  readGraph,
} from "./external-data.js";
export { float32ToFloat16 } from "./fp16.js";
export {
  bytesSource,
  type GraphScan,
  logitConstants,
  type RangeSource,
  scanGraph,
} from "./graph-scan.js";
export { isJinaClipProcessor, JINA_CLIP_PROCESSOR, parseJinaClipPreprocess } from "./jina-clip.js";
export { matryoshkaSpaceId, withDimensions } from "./matryoshka.js";
export {
  isNaflexProcessor,
  type NaflexConfig,
  naflexBatch,
  naflexImageSize,
  parseNaflexConfig,
} from "./naflex.js";
export {
  isOpenClipFolder,
  loadOpenClipTokenizer,
  OPEN_CLIP_CONFIG,
  type OpenClipClean,
  type OpenClipConfig,
  openClipCleaner,
  parseOpenClipConfig,
  withTextCleaning,
} from "./open-clip.js";
export type { CreateClipModelOptions, ImagePreparer, LoadedClipModel } from "./options.js";
export {
  availableDtypes,
  type ClipLayout,
  type GraphFile,
  type ResolveOptions,
  resolveClipLayout,
} from "./resolve.js";
export { defaultScoring, type ScoringSource, scoringFromConstants, scoringFromGraph } from "./scoring.js";
export { contentHash, sampledFingerprint } from "./space-id.js";
export type { PixelBatch, TokenBatch } from "./towers.js";
export type { ClipModel, EmbedOptions, ImageEmbedder, Scoring, TextEmbedder } from "./types.js";
