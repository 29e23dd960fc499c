export { type Coefficients, computeCoefficients } from "./coefficients.js";
export { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, outputSize, parsePreprocessorConfig } from "./config.js";
export { premultiply, toRgb, unpremultiply, unpremultiplyPixels } from "./convert.js";
export { compileSettings } from "./hf-compile.js";
export {
  type ImageProcessorSettings,
  type ResolveOptions,
  resolveImageProcessor,
  sizeDict,
} from "./hf-config.js";
export {
  cropOffset,
  preprocessBatch,
  preprocessImage,
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
