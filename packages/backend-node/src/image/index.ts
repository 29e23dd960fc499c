export { DEFAULT_MAX_PIXELS, type DecodeOptions, decodeImage, type ImageInput } from "./decode.js";
