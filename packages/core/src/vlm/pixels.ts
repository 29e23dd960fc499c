/** Per-request image preprocessing and batching for families with a fixed-size image processor. */
import type { Tensor } from "../backend/session.js";
import { tensor } from "../backend/tensor.js";
import { ClipkitError } from "../errors.js";
import { preprocessBatch } from "../image/preprocess.js";
import type { PreprocessConfig } from "../image/types.js";
import type { PreparedRequest, VlmRequest } from "./family.js";

/** One request's preprocessed images, [n, 3, H, W] flattened. */
export interface PixelData {
  readonly pixels: Float32Array;
  readonly dims: readonly number[];
}

/**
 * Checks `request` carries exactly `count` images (`family` and `index` name it in the error)
 * and preprocesses them with `config`.
 */
export function requestPixels(
  request: VlmRequest,
  index: number,
  config: PreprocessConfig,
  family: string,
  count = 1,
): PixelData {
  if (request.images.length !== count) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `request ${index}: a ${family} model takes ${count} image${count === 1 ? "" : "s"} per prompt, got ${request.images.length}`,
      { details: { argument: `requests[${index}].images`, count: request.images.length, expected: count } },
    );
  }
  const batch = preprocessBatch(request.images, config);
  return { pixels: batch.data, dims: batch.dims };
}

/** Stacks the requests' pixel data (equal image sizes, see each family's batchKey) into one float32 NCHW tensor. */
export function stackPixels(batch: readonly PreparedRequest[]): Tensor<"float32"> {
  const parts = batch.map((b) => b.data as PixelData);
  const [, c, h, w] = parts[0]!.dims as [number, number, number, number];
  const total = parts.reduce((n, p) => n + p.pixels.length, 0);
  const data = new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(p.pixels, at);
    at += p.pixels.length;
  }
  return tensor("float32", data, [total / (c * h * w), c, h, w]);
}

/** `PROMPT_INVALID` for a request kind `family` does not answer. */
export function unsupportedKind(family: string, request: VlmRequest, index: number): never {
  throw new ClipkitError(
    "PROMPT_INVALID",
    `request ${index}: a ${family} model does not answer "${request.kind}" requests`,
    { details: { argument: `requests[${index}].kind`, kind: request.kind, family } },
  );
}
