import { ClipkitError } from "../errors.js";

/** What clipkit needs from a hub `config.json` (Hugging Face `CLIPConfig` / `SiglipConfig`). */
export interface ModelConfig {
  readonly modelType: "clip" | "siglip";
  /** `_name_or_path` when the export kept it (e.g. `"openai/clip-vit-base-patch32"`). */
  readonly nameOrPath?: string;
  /** Joint-space width: `projection_dim` (CLIP) or the text tower width (SigLIP has no projection). */
  readonly projectionDim?: number;
  /** Longest token sequence the text tower accepts (`text_config.max_position_embeddings`). */
  readonly maxTextLength: number;
  /** Square input side of the vision tower (`vision_config.image_size`). */
  readonly imageSize?: number;
  /**
   * `logit_scale_init_value`: the value training started from, NOT the trained one (2.6592 for
   * OpenAI CLIP, whose trained scale is ln 100). Only a last-resort fallback for scoring.
   */
  readonly logitScaleInit?: number;
  /**
   * Trained `logit_scale` (natural log, as stored in CLIP checkpoints) when an export records it in
   * `config.json` — clipkit's own exports do, since split towers lose the value.
   */
  readonly logitScale?: number;
  /** Trained SigLIP `logit_bias` when recorded in `config.json`. */
  readonly logitBias?: number;
  /**
   * Set for families that score and pad as `modelType` does but need their own handling elsewhere:
   * `"jina_clip"` (jina-clip v1/v2 ONNX exports, see jina-clip.ts).
   */
  readonly family?: "jina_clip";
  /** Matryoshka widths the model was trained to be truncated to (jina-clip v2 `matryoshka_dimensions`). */
  readonly matryoshkaDimensions?: readonly number[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function positiveInt(obj: Json | undefined, key: string): number | undefined {
  const v = obj?.[key];
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * Parses `config.json`. `file` names the file in errors. Unknown keys are ignored; a missing or
 * unsupported `model_type` is an error because it decides tokenisation and scoring.
 */
export function parseModelConfig(text: string, file = "config.json"): ModelConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ClipkitError("MODEL_CONFIG_INVALID", `${file} is not valid JSON`, {
      cause: error,
      details: { file },
    });
  }
  if (!isObject(raw)) {
    throw new ClipkitError("MODEL_CONFIG_INVALID", `${file} must hold a JSON object`, { details: { file } });
  }
  // SigLIP 2 (`siglip2`, NaFlex) scores, pools and pads its text as SigLIP does; jina-clip scores
  // with a softmax and pads to the longest row as CLIP does (its graphs pool over non-pad tokens).
  const jina = raw.model_type === "jina_clip";
  // AltCLIP (multilingual: XLM-R text tower, CLIP vision tower) scores and pads as CLIP does.
  const altclip = raw.model_type === "altclip";
  const type = raw.model_type === "siglip2" ? "siglip" : jina || altclip ? "clip" : raw.model_type;
  if (type !== "clip" && type !== "siglip") {
    const code = typeof type === "string" ? "MODEL_LAYOUT_UNSUPPORTED" : "MODEL_CONFIG_INVALID";
    throw new ClipkitError(
      code,
      `${file}: model_type must be "clip", "siglip", "siglip2", "altclip" or "jina_clip", got ${JSON.stringify(type)}`,
      { details: { file, key: "model_type", value: type } },
    );
  }
  const textConfig = isObject(raw.text_config) ? raw.text_config : undefined;
  const visionConfig = isObject(raw.vision_config) ? raw.vision_config : undefined;
  const projectionDim =
    positiveInt(raw, "projection_dim") ??
    (type === "siglip"
      ? (positiveInt(textConfig, "projection_size") ?? positiveInt(textConfig, "hidden_size"))
      : undefined);
  const positions = positiveInt(textConfig, "max_position_embeddings");
  // RoBERTa-style position ids start after the padding index (pad_token_id + 1, i.e. 2), so an
  // XLM-R tower with N position embeddings takes N - 2 tokens.
  const textLength = altclip && positions !== undefined ? positions - 2 : positions;
  const scale = raw.logit_scale_init_value;
  const trainedScale = raw.logit_scale;
  const trainedBias = raw.logit_bias;
  const name = raw._name_or_path;
  return {
    modelType: type,
    ...(typeof name === "string" && name.length > 0 ? { nameOrPath: name } : {}),
    ...(projectionDim !== undefined ? { projectionDim } : {}),
    // jina-clip's text towers take long texts (v1 JinaBERT, v2 8,192 tokens); the tokenizer's
    // model_max_length bounds it further.
    maxTextLength: textLength ?? (jina ? 8192 : altclip ? 512 : type === "siglip" ? 64 : 77),
    ...(positiveInt(visionConfig, "image_size") !== undefined
      ? { imageSize: positiveInt(visionConfig, "image_size") }
      : {}),
    ...(typeof scale === "number" && Number.isFinite(scale) ? { logitScaleInit: scale } : {}),
    ...(typeof trainedScale === "number" && Number.isFinite(trainedScale)
      ? { logitScale: trainedScale }
      : {}),
    ...(typeof trainedBias === "number" && Number.isFinite(trainedBias) ? { logitBias: trainedBias } : {}),
    ...(jina ? { family: "jina_clip" as const, ...matryoshka(raw.matryoshka_dimensions, file) } : {}),
  };
}

function matryoshka(value: unknown, file: string): { matryoshkaDimensions?: readonly number[] } {
  if (value === undefined || value === null) return {};
  if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v) && (v as number) > 0)) {
    throw new ClipkitError(
      "MODEL_CONFIG_INVALID",
      `${file}: matryoshka_dimensions must be a list of positive integers, got ${JSON.stringify(value)}`,
      { details: { file, key: "matryoshka_dimensions" } },
    );
  }
  return { matryoshkaDimensions: value as number[] };
}
