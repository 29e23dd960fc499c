import { ClipkitError, type ImagePreparer, type PreprocessConfig, preprocessBatch } from "@clipkit/core";
import { type DecodeOptions, decodeImage, type ImageInput } from "../image/index.js";

/**
 * sharp decoding + core preprocessing for one batch. Images of a batch decode concurrently (sharp
 * runs them on libuv's pool), and the model prepares batch k+1 while batch k runs, so decoding
 * overlaps inference. A failing image rejects the batch with its index in `details`.
 */
export function nodeImagePreparer(
  config: PreprocessConfig,
  options: DecodeOptions = {},
): ImagePreparer<ImageInput> {
  return async (inputs, signal) => {
    if (signal?.aborted)
      throw new ClipkitError("ABORTED", "image decoding was aborted", { cause: signal.reason });
    const raws = await Promise.all(
      inputs.map(async (input, i) => {
        try {
          return await decodeImage(input, options);
        } catch (error) {
          if (error instanceof ClipkitError && error.details.index === undefined) {
            throw new ClipkitError(error.code, `images[${i}]: ${error.message}`, {
              cause: error,
              details: { ...error.details, index: i },
            });
          }
          throw error;
        }
      }),
    );
    return preprocessBatch(raws, config);
  };
}
