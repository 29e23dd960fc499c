/**
 * Qwen2-VL's multimodal rotary position ids (transformers `Qwen2VLModel.get_rope_index`, images
 * only): text tokens count up on all three channels; the `t·(h/m)·(w/m)` placeholders of an image
 * take (temporal, height, width) grid coordinates offset by the position the image starts at, and
 * the text after it resumes at the largest position so far + 1.
 */
import { ClipkitError } from "../../errors.js";

/** `[t, h, w]` of one image in patches (`image_grid_thw`). */
export type GridThw = readonly [number, number, number];

/** Position ids of one unpadded prompt. */
export interface MropePositions {
  /** `[temporal, height, width]`, each as long as the prompt. */
  readonly positions: readonly [number[], number[], number[]];
  /** Position of the first generated token: largest prompt position + 1. */
  readonly next: number;
}

/**
 * Position ids for `ids`, in which image `k` is `gridThw[k]` expanded to `t·(h/m)·(w/m)` copies of
 * `imageTokenId` (m = `mergeSize`).
 *
 * @throws ClipkitError `PROMPT_INVALID` when the placeholder runs do not match the grids.
 */
export function mropePositions(
  ids: readonly number[],
  grids: readonly GridThw[],
  options: { readonly imageTokenId: number; readonly mergeSize: number },
): MropePositions {
  const m = options.mergeSize;
  const t: number[] = [];
  const h: number[] = [];
  const w: number[] = [];
  let next = 0;
  let image = 0;
  let i = 0;
  const fail = (message: string): never => {
    throw new ClipkitError("PROMPT_INVALID", `Qwen2-VL prompt: ${message}`, {
      details: { argument: "ids", images: grids.length },
    });
  };
  while (i < ids.length) {
    if (ids[i] !== options.imageTokenId) {
      t.push(next);
      h.push(next);
      w.push(next);
      next++;
      i++;
      continue;
    }
    const grid = grids[image++] ?? fail(`more image placeholders than the ${grids.length} image(s)`);
    const [gt, gh, gw] = [grid[0], grid[1] / m, grid[2] / m];
    const count = gt * gh * gw;
    for (let k = 0; k < count; k++) {
      if (ids[i + k] !== options.imageTokenId) fail(`image ${image - 1} needs ${count} placeholders`);
      t.push(next + Math.floor(k / (gh * gw)));
      h.push(next + (Math.floor(k / gw) % gh));
      w.push(next + (k % gw));
    }
    next += Math.max(gt, gh, gw);
    i += count;
  }
  if (image !== grids.length) fail(`${image} image placeholder run(s) for ${grids.length} image(s)`);
  return { positions: [t, h, w], next };
}
