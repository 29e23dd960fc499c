/**
 * transformers' `Qwen2VLProcessor` for images: each image smart-resized (multiples of
 * patch × merge size within the pixel budget), normalised and cut into patch rows
 * (`pixel_values`, `image_grid_thw`); each `<|image_pad|>` of the rendered prompt repeated
 * `t·h·w / merge²` times; and the multimodal rotary ids of the expanded prompt.
 */
import { ClipkitError } from "../../errors.js";
import { preprocessImage, resizeTarget } from "../../image/preprocess.js";
import { type Qwen2VLPatches, qwen2vlPatchify } from "../../image/qwen2vl.js";
import type { PreprocessConfig, RawImage } from "../../image/types.js";
import type { Tokenizer } from "../../tokenizer/types.js";
import { type GridThw, mropePositions } from "./qwen2-vl-rope.js";

/** What the processor needs from the folder. */
export interface Qwen2VLProcessorConfig {
  readonly preprocess: PreprocessConfig;
  readonly patchSize: number;
  readonly mergeSize: number;
  readonly temporalPatchSize: number;
  /** `<|image_pad|>` (config.json `image_token_id`). */
  readonly imageTokenId: number;
}

/** One prompt ready for the graphs. */
export interface Qwen2VLInputs {
  /** Prompt ids with every image placeholder expanded (`input_ids`). */
  readonly ids: readonly number[];
  /** Per image, its patch rows and `image_grid_thw`. */
  readonly patches: readonly Qwen2VLPatches[];
  /** `[temporal, height, width]` rotary ids of `ids`. */
  readonly positions: readonly [number[], number[], number[]];
  /** Rotary id of the first generated token. */
  readonly next: number;
}

/** `pixel_values` rows and `image_grid_thw` of one image. */
export function qwen2vlImagePatches(image: RawImage, config: Qwen2VLProcessorConfig): Qwen2VLPatches {
  const { width, height } = resizeTarget(image.width, image.height, config.preprocess.resize);
  const chw = preprocessImage(image, config.preprocess);
  return qwen2vlPatchify(chw, height, width, config);
}

/**
 * Tokenizes the rendered chat `text` (one `<|image_pad|>` per image, as the chat template writes
 * it) and expands it for `images`.
 *
 * @throws ClipkitError `PROMPT_INVALID` when the placeholders and images differ in number.
 */
export function qwen2vlInputs(
  tokenizer: Tokenizer,
  text: string,
  images: readonly RawImage[],
  config: Qwen2VLProcessorConfig,
): Qwen2VLInputs {
  const raw = tokenizer.encode(text, { truncation: false });
  const found = raw.filter((t) => t === config.imageTokenId).length;
  if (found !== images.length) {
    throw new ClipkitError(
      "PROMPT_INVALID",
      `Qwen2-VL prompt has ${found} image placeholder(s) for ${images.length} image(s)`,
      { details: { argument: "images", placeholders: found, images: images.length } },
    );
  }
  const patches = images.map((im) => qwen2vlImagePatches(im, config));
  const grids: GridThw[] = patches.map((p) => p.gridThw);
  const ids: number[] = [];
  let k = 0;
  for (const t of raw) {
    if (t !== config.imageTokenId) {
      ids.push(t);
      continue;
    }
    const [gt, gh, gw] = grids[k++]!;
    const count = (gt * gh * gw) / (config.mergeSize * config.mergeSize);
    for (let i = 0; i < count; i++) ids.push(t);
  }
  const { positions, next } = mropePositions(ids, grids, config);
  return { ids, patches, positions, next };
}
