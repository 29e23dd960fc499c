export {
  DEFAULT_MAX_PIXELS,
  type DecodeHooks,
  type DecodeOptions,
  decodeImage,
  type ImageInput,
} from "./decode.js";
export {
  defaultPreprocessWorkers,
  type PreprocessJob,
  PreprocessPool,
  type PreprocessReply,
} from "./preprocess-pool.js";
export { DEFAULT_MAX_FILE_BYTES, readImageFile } from "./read.js";
