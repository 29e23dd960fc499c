/**
 * transformers' `Idefics3Processor` (SmolVLM) for images: each image split into tiles of
 * `max_image_size` plus a downscaled global image (`preprocessIdefics3`), and each `<image>` of the
 * rendered prompt replaced by the frame markers and `image_seq_len` image tokens per frame
 * (`<fake_token_around_image>`, `<row_r_col_c>`, `<global-img>`), before tokenizing.
 */
import { ClipkitError } from "../../errors.js";
import type { ImageProcessorSettings } from "../../image/hf-config.js";
import { type Idefics3Frames, preprocessIdefics3 } from "../../image/idefics3.js";
import type { RawImage } from "../../image/types.js";
import type { Tokenizer } from "../../tokenizer/types.js";

const IMAGE = "<image>";
const FAKE = "<fake_token_around_image>";
const GLOBAL = "<global-img>";

/** One prompt ready for the graphs. */
export interface Idefics3Inputs {
  /** Prompt ids with every image expanded (`input_ids`). */
  readonly ids: readonly number[];
  /** Per image, its frames (tiles row by row, then the global image). */
  readonly frames: readonly Idefics3Frames[];
}

/** `Idefics3Processor.replace_image_token`: the text one image stands for. */
export function idefics3ImageText(rows: number, cols: number, seqLen: number): string {
  const tokens = IMAGE.repeat(seqLen);
  if (rows === 0 && cols === 0) return `${FAKE}${GLOBAL}${tokens}${FAKE}`;
  let text = "";
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) text += `${FAKE}<row_${r + 1}_col_${c + 1}>${tokens}`;
    text += "\n";
  }
  return `${text}\n${FAKE}${GLOBAL}${tokens}${FAKE}`;
}

/**
 * Preprocesses `images`, expands the rendered chat `text` (one `<image>` per image, as the chat
 * template writes it) and tokenizes it.
 *
 * @throws ClipkitError `PROMPT_INVALID` when the `<image>` markers and images differ in number.
 */
export function idefics3Inputs(
  tokenizer: Tokenizer,
  text: string,
  images: readonly RawImage[],
  settings: ImageProcessorSettings,
  seqLen: number,
): Idefics3Inputs {
  const pieces = text.split(IMAGE);
  if (pieces.length - 1 !== images.length) {
    throw new ClipkitError(
      "PROMPT_INVALID",
      `Idefics3 prompt has ${pieces.length - 1} <image> marker(s) for ${images.length} image(s)`,
      { details: { argument: "images", placeholders: pieces.length - 1, images: images.length } },
    );
  }
  const frames = images.map((im) => preprocessIdefics3(im, settings));
  const expanded = pieces.reduce(
    (out, piece, i) => out + idefics3ImageText(frames[i - 1]!.rows, frames[i - 1]!.cols, seqLen) + piece,
  );
  return { ids: tokenizer.encode(expanded, { truncation: false }), frames };
}
