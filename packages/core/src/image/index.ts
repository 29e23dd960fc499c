export { DEFAULT_MEMORY_BUDGET, MemoryBudget, type MemoryLease } from "./budget.js";
export { type Coefficients, computeCoefficients } from "./coefficients.js";
export { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, outputSize, parsePreprocessorConfig } from "./config.js";
export { premultiply, toRgb, unpremultiply, unpremultiplyPixels } from "./convert.js";
export { gifTransparentColour, paintTransparent } from "./gif.js";
export { compileSettings } from "./hf-compile.js";
export {
  type ImageProcessorResolveOptions,
  type ImageProcessorSettings,
  readModelTypeHint,
  resolveImageProcessor,
  sizeDict,
} from "./hf-config.js";
export {
  type Idefics3Frames,
  idefics3EncoderSize,
  idefics3ResizeSize,
  preprocessIdefics3,
} from "./idefics3.js";
export { checkResizeWork, DEFAULT_MAX_RESIZE_BYTES, imageWorkBytes, resizeWorkBytes } from "./limits.js";
export {
  cropOffset,
  preprocessBatch,
  preprocessImage,
  preprocessImageInto,
  resizeTarget,
  validateRawImage,
} from "./preprocess.js";
export {
  canonicalProcessorClass,
  IMAGE_PROCESSOR_DEFAULTS,
  type ImageProcessorClass,
  type ImageProcessorDefaults,
  MODEL_TYPE_PROCESSORS,
  type SizeDict,
} from "./processors.js";
export { type Qwen2VLPatches, qwen2vlPatchify } from "./qwen2vl.js";
export {
  type ResampleOptions,
  type ResizeWindow,
  type RowSink,
  resample,
  resampleRows,
} from "./resample.js";
export type {
  CropRounding,
  PreprocessConfig,
  PreprocessedBatch,
  RawImage,
  ResampleFilter,
  ResizeSpec,
  RgbConversionOrder,
} from "./types.js";
