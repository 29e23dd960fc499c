export {
  type Classification,
  type ClassifyMode,
  type ClassifyOptions,
  type ClassScore,
  classifyEmbeddings,
} from "./classify.js";
export { type EncodeClassesOptions, encodeClassWeights } from "./encode.js";
export { fnv1a64, promptsHash } from "./hash.js";
export {
  buildZeroShotHead,
  type EncodeOptionsForImages,
  ZeroShotHead,
  type ZeroShotHeadInit,
} from "./head.js";
export {
  defaultMinCosine,
  type OodOptions,
  type OodReason,
  type OodSignal,
  outOfDomainSignal,
} from "./ood.js";
export {
  ADAPTED_HEAD_FORMAT_VERSION,
  HEAD_FORMAT_VERSION,
  HEAD_MAGIC,
  type HeadFileHeader,
  type LoadHeadOptions,
  loadHead,
  readHeadHeader,
  saveHead,
} from "./persist.js";
export {
  assertLabel,
  type ClassPrompts,
  fillTemplate,
  type HeadClasses,
  PLACEHOLDER,
  toClassPrompts,
} from "./prompts.js";
