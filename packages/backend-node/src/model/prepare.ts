import {
  ClipkitError,
  type ImagePreparer,
  type NaflexConfig,
  naflexBatch,
  type PreprocessConfig,
  preprocessBatch,
  type RawImage,
} from "@clipkit/core";
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
  return async (inputs, signal) => preprocessBatch(await decodeAll(inputs, options, signal), config);
}

/** The same for SigLIP 2 NaFlex graphs: decoded images patchified by {@link naflexBatch}. */
export function nodeNaflexPreparer(
  config: NaflexConfig,
  options: DecodeOptions = {},
): ImagePreparer<ImageInput> {
  return async (inputs, signal) => naflexBatch(await decodeAll(inputs, options, signal), config);
}

async function decodeAll(
  inputs: readonly ImageInput[],
  options: DecodeOptions,
  signal: AbortSignal | undefined,
): Promise<RawImage[]> {
  if (signal?.aborted)
    throw new ClipkitError("ABORTED", "image decoding was aborted", { cause: signal.reason });
  return Promise.all(
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
}
