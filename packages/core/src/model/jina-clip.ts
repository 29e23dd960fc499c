import { ClipkitError } from "../errors.js";
import { parsePreprocessorConfig } from "../image/config.js";
import type { PreprocessConfig } from "../image/types.js";

/**
 * jina-clip v1/v2 hub folders (jinaai/jina-clip-v1, -v2) as their ONNX exports ship them:
 * `config.json` with `model_type: "jina_clip"`, `onnx/{text,vision}_model.onnx` (v1) or one
 * `onnx/model.onnx` (v2) whose outputs are `text_embeddings` / `image_embeddings` (plus
 * `l2norm_*` copies), a BERT (v1) or XLM-R (v2) `tokenizer.json`, and a custom
 * `preprocessor_config.json` (`JinaCLIPImageProcessor`) that holds open_clip's transform
 * parameters: `size`, `mean`, `std`, `resize_mode`, `interpolation`, `fill_color`.
 */
export const JINA_CLIP_PROCESSOR = "JinaCLIPImageProcessor";

type Json = Record<string, unknown>;

/** Whether a `preprocessor_config.json` is jina-clip's (`image_processor_type: "JinaCLIPImageProcessor"`). */
export function isJinaClipProcessor(json: unknown): boolean {
  const type = (json as Json | null)?.image_processor_type;
  return type === JINA_CLIP_PROCESSOR;
}

/**
 * Reads a `JinaCLIPImageProcessor` config. Its processor calls open_clip's `image_transform`
 * (resize by `resize_mode`, centre crop to `size`, RGB, normalise), so the fields are mapped onto
 * clipkit's open_clip preprocessing, which is checked against open_clip pixel for pixel. Defaults
 * are the class's: 224, OpenAI mean/std, `shortest`, bicubic, fill 0.
 *
 * @throws ClipkitError `MODEL_CONFIG_INVALID` naming the key at fault.
 */
export function parseJinaClipPreprocess(json: unknown, file = "preprocessor_config.json"): PreprocessConfig {
  const obj = (typeof json === "object" && json !== null ? json : {}) as Json;
  const size = obj.size ?? 224;
  const side = Array.isArray(size) ? size : [size, size];
  if (side.length !== 2 || !side.every((v) => Number.isInteger(v) && (v as number) > 0)) {
    throw new ClipkitError(
      "MODEL_CONFIG_INVALID",
      `${file}: size must be a positive integer or [h, w], got ${JSON.stringify(size)}`,
      { details: { file, key: "size" } },
    );
  }
  const pick = (key: string) => (obj[key] === undefined ? {} : { [key]: obj[key] });
  return parsePreprocessorConfig({
    image_size: side,
    ...pick("mean"),
    ...pick("std"),
    resize_mode: obj.resize_mode ?? "shortest",
    interpolation: obj.interpolation ?? "bicubic",
    ...pick("fill_color"),
  });
}
