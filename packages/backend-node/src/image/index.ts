export {
  DEFAULT_MAX_PIXELS,
  type DecodeHooks,
  type DecodeOptions,
  decodeImage,
  type ImageInput,
} from "./decode.js";
export { DEFAULT_MAX_FILE_BYTES, readImageFile } from "./read.js";
