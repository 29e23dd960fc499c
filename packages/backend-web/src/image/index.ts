export {
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_PIXELS,
  type DecodeOptions,
  decodeImage,
  type ImageInput,
  type WebImageInput,
} from "./decode.js";
