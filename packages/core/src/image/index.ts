export { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, outputSize, parsePreprocessorConfig } from "./config.js";
export { premultiply, toRgb, unpremultiply } from "./convert.js";
export {
  cropOffset,
  preprocessBatch,
  preprocessImage,
  resizeTarget,
  validateRawImage,
} from "./preprocess.js";
export { type Coefficients, computeCoefficients, resample } from "./resample.js";
export type {
  CropRounding,
  PreprocessConfig,
  PreprocessedBatch,
  RawImage,
  ResampleFilter,
  ResizeSpec,
  RgbConversionOrder,
} from "./types.js";
