/** BLIP's special token ids and decoder prefixes, as transformers' BLIP `generate` builds them. */
import { ClipkitError } from "../../errors.js";
import type { Tokenizer } from "../../tokenizer/types.js";

/** The text config's ids every BLIP generation uses. */
export interface BlipTokenIds {
  /** `[DEC]`: the decoder's first token (text_config.bos_token_id). */
  readonly bos: number;
  /** `[SEP]`: end of an answer or caption (text_config.sep_token_id). */
  readonly sep: number;
  readonly pad: number;
}

function id(text: Record<string, unknown>, key: string): number | undefined {
  const v = text[key];
  return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/**
 * Reads bos/sep/pad from config.json's text_config, falling back to the tokenizer's `[DEC]`,
 * `[SEP]` and pad token. Fails with `MODEL_CONFIG_INVALID` naming `file` when one is missing or
 * outside the vocabulary.
 */
export function blipTokenIds(
  text: Record<string, unknown>,
  tokenizer: Tokenizer,
  file: string,
): BlipTokenIds {
  const bos = id(text, "bos_token_id") ?? tokenizer.tokenToId("[DEC]");
  const sep = id(text, "sep_token_id") ?? tokenizer.tokenToId("[SEP]");
  const pad = id(text, "pad_token_id") ?? tokenizer.padTokenId;
  for (const [name, v] of [
    ["bos_token_id", bos],
    ["sep_token_id", sep],
    ["pad_token_id", pad],
  ] as const) {
    if (v === undefined || v >= tokenizer.vocabSize) {
      throw new ClipkitError(
        "MODEL_CONFIG_INVALID",
        `${file}: text_config.${name} is ${v === undefined ? "missing" : `${v}, outside the ${tokenizer.vocabSize}-token vocabulary`}`,
        { details: { file, field: `text_config.${name}` } },
      );
    }
  }
  return { bos: bos!, sep: sep!, pad: pad! };
}

/**
 * The decoder prefix of a conditional caption: BlipForConditionalGeneration.generate takes the
 * processor's `[CLS] prompt [SEP]`, swaps the first id for `[DEC]` and drops the last one.
 * `encoded` must be that special-token-wrapped encoding.
 */
export function captionPrefix(encoded: readonly number[], bos: number): number[] {
  const prefix = encoded.slice(0, -1);
  prefix[0] = bos;
  return prefix.length > 0 ? prefix : [bos];
}
