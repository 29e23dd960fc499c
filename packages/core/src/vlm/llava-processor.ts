/**
 * What transformers' `LlavaProcessor` does to the text: every `<image>` in the prompt becomes
 * `num_image_tokens` copies, `(height // patch_size) * (width // patch_size) +
 * num_additional_image_tokens`, minus one for `vision_feature_select_strategy == "default"`
 * (the CLS row the model drops), where height × width is the processed pixel size.
 */
import { ClipkitError } from "../errors.js";
import { positiveInt } from "./config.js";

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

/** Where the count came from, for docs and errors. */
export type ImageTokenSource = "processor" | "image_seq_length" | "vision_encoder";

/** The number of `<image>` tokens one image takes in the prompt. */
export interface LlavaImageTokens {
  readonly count: number;
  readonly source: ImageTokenSource;
  /** The placeholder text the processor expands (`processor_config.json` `image_token`, default `<image>`). */
  readonly imageToken: string;
}

/**
 * The image-token count for one image of `height` × `width` processed pixels, as `LlavaProcessor`
 * computes it from `processor_config.json` (`patch_size`, `num_additional_image_tokens`,
 * `vision_feature_select_strategy`, falling back to config.json's strategy). Older folders whose
 * processor has no `patch_size` use config.json's `image_seq_length`, else the vision encoder's
 * fixed output rows (`visionRows`). Throws `MODEL_CONFIG_INVALID` naming `file` when none applies.
 */
export function llavaImageTokens(
  processorConfig: unknown,
  config: unknown,
  size: { readonly height: number; readonly width: number },
  visionRows: number | undefined,
  file: string,
): LlavaImageTokens {
  const proc = obj(processorConfig) ?? {};
  const cfg = obj(config) ?? {};
  const imageToken = typeof proc.image_token === "string" ? proc.image_token : "<image>";
  const patch = positiveInt(proc.patch_size);
  if (patch !== undefined) {
    const extra = typeof proc.num_additional_image_tokens === "number" ? proc.num_additional_image_tokens : 0;
    const strategy = proc.vision_feature_select_strategy ?? cfg.vision_feature_select_strategy;
    let count = Math.floor(size.height / patch) * Math.floor(size.width / patch) + extra;
    if (strategy === "default") count -= 1;
    if (count < 1) {
      throw new ClipkitError(
        "MODEL_CONFIG_INVALID",
        `${file}: patch_size ${patch} leaves ${count} image tokens`,
        {
          details: { file, patchSize: patch },
        },
      );
    }
    return { count, source: "processor", imageToken };
  }
  const seq = positiveInt(cfg.image_seq_length);
  if (seq !== undefined) return { count: seq, source: "image_seq_length", imageToken };
  if (visionRows !== undefined && visionRows > 0)
    return { count: visionRows, source: "vision_encoder", imageToken };
  throw new ClipkitError(
    "MODEL_CONFIG_INVALID",
    `${file}: cannot tell how many image tokens an image takes (no processor patch_size, no image_seq_length, dynamic vision output)`,
    { details: { file } },
  );
}

/**
 * Replaces every `imageToken` in `prompt` by `count` copies (LlavaProcessor's text expansion)
 * and checks there is one per image. Throws `PROMPT_INVALID` naming `argument` otherwise.
 */
export function expandImageTokens(
  prompt: string,
  imageToken: string,
  count: number,
  images: number,
  argument: string,
): string {
  const parts = prompt.split(imageToken);
  if (parts.length - 1 !== images) {
    throw new ClipkitError(
      "PROMPT_INVALID",
      `${argument}: the prompt has ${parts.length - 1} ${imageToken} placeholder(s) for ${images} image(s)`,
      { details: { argument, placeholders: parts.length - 1, images } },
    );
  }
  return parts.join(imageToken.repeat(count));
}
