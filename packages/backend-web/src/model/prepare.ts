import {
  ClipkitError,
  type ImagePreparer,
  type PixelBatch,
  type PreprocessConfig,
  preprocessBatch,
  type RawImage,
} from "@clipkit/core";
import { type DecodeOptions, decodeImage, type WebImageInput } from "../image/decode.js";

/**
 * Browser decoding followed by core's preprocessing — the same resize, crop and normalisation
 * code the Node backend runs, so a model sees the same pixels in both (for PNG inputs).
 */
export function webImagePreparer(
  config: PreprocessConfig | ((images: readonly RawImage[]) => PixelBatch),
  options: Omit<DecodeOptions, "label"> = {},
): ImagePreparer<WebImageInput> {
  // A function: a folder-specific pipeline (e.g. SigLIP 2 NaFlex patchification, see families.ts).
  const toPixels =
    typeof config === "function" ? config : (raws: readonly RawImage[]) => preprocessBatch(raws, config);
  return async (inputs, signal) => {
    const raws: RawImage[] = [];
    for (const [i, input] of inputs.entries()) {
      if (signal?.aborted) {
        throw new ClipkitError("ABORTED", "image decoding was aborted", { cause: signal.reason });
      }
      raws.push(await decodeImage(input, { ...options, label: `images[${i}]` }));
    }
    return toPixels(raws);
  };
}
