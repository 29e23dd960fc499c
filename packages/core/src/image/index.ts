export { type Coefficients, computeCoefficients } from "./coefficients.js";
export { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, outputSize, parsePreprocessorConfig } from "./config.js";
export { premultiply, toRgb, unpremultiply, unpremultiplyPixels } from "./convert.js";
export {
  cropOffset,
  preprocessBatch,
  preprocessImage,
  resizeTarget,
  validateRawImage,
} from "./preprocess.js";
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
