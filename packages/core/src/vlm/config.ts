/** Reads what generation needs from a VLM folder's config.json. */
import { ClipkitError } from "../errors.js";
import type { KvShapeHints } from "../generation/kv-cache.js";
import type { Tokenizer } from "../tokenizer/types.js";

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function num(o: Json | undefined, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = o?.[k];
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return undefined;
}

/** `v` when it is a positive integer (a size or count read from a JSON config), else undefined. */
export function positiveInt(v: unknown): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** Settings of one VLM folder that are not in generation_config.json. */
export interface VlmConfig {
  /** The decoder's text config (config.decoder or config.text_config). */
  readonly text: Json;
  /** Head count/size for empty caches. */
  readonly kv: KvShapeHints;
  /** Longest sequence the decoder's position table covers, if the config says. */
  readonly maxPositions: number | undefined;
  /** Encoder-decoder: first decoder token. */
  readonly decoderStartTokenId: number | undefined;
  /** LLaVA: id of the image placeholder token. */
  readonly imageTokenId: number | undefined;
  /** Optional `clipkit.question_template` / `prompt_template` / `caption_prompt` overrides. */
  readonly templates: { question?: string; prompt?: string; caption?: string };
}

/** Parses config.json (already JSON-decoded); `file` names it in errors. */
export function parseVlmConfig(json: unknown, file: string): VlmConfig {
  const root = obj(json);
  if (!root) {
    throw new ClipkitError("MODEL_CONFIG_INVALID", `${file}: expected a JSON object`, { details: { file } });
  }
  const text = obj(root.decoder) ?? obj(root.text_config) ?? root;
  const heads = num(text, "num_key_value_heads", "n_head", "num_attention_heads", "decoder_attention_heads");
  const queryHeads = num(text, "n_head", "num_attention_heads", "decoder_attention_heads");
  const hidden = num(text, "n_embd", "hidden_size", "d_model");
  const headDim =
    num(text, "head_dim") ?? (hidden !== undefined && queryHeads ? hidden / queryHeads : undefined);
  const clipkit = obj(root.clipkit) ?? {};
  const str = (k: string) => (typeof clipkit[k] === "string" ? (clipkit[k] as string) : undefined);
  return {
    text,
    kv: { numHeads: heads, headDim },
    maxPositions: num(text, "n_positions", "max_position_embeddings"),
    decoderStartTokenId:
      num(root, "decoder_start_token_id") ?? num(text, "decoder_start_token_id", "bos_token_id"),
    imageTokenId: num(root, "image_token_index", "image_token_id"),
    templates: {
      question: str("question_template"),
      prompt: str("prompt_template"),
      caption: str("caption_prompt"),
    },
  };
}

/**
 * The image placeholder's id: config.json's `image_token_index` / `image_token_id`, else the
 * tokenizer's `token` (e.g. `"<image>"`); `MODEL_CONFIG_INVALID` naming `file` when neither has it.
 */
export function resolveImageTokenId(
  config: VlmConfig,
  tokenizer: Tokenizer,
  token: string,
  file: string,
): number {
  const id = config.imageTokenId ?? tokenizer.tokenToId(token);
  if (id === undefined) {
    throw new ClipkitError(
      "MODEL_CONFIG_INVALID",
      `${file}: no image_token_index/image_token_id and no ${token} token`,
      {
        details: { file },
      },
    );
  }
  return id;
}
