/**
 * BLIP's text decoder (`BlipTextLMHeadModel`, exported as a merged decoder) over precomputed
 * encoder states: the image embeddings when captioning, the question embeddings (text encoder
 * with image cross-attention) for VQA. The self-attention cache grows one token per step;
 * cross-attention is recomputed from `encoder_hidden_states` every step, as the export does.
 */
import type { InferenceSession, Tensor } from "../../backend/session.js";
import {
  describeKvCache,
  gatherBatch,
  KvCache,
  type KvShapeHints,
  runDecoderStep,
} from "../../generation/kv-cache.js";
import type { LogitsModel } from "../../generation/types.js";
import { int64Rows, onesInt64 } from "../tensors.js";

/** What {@link blipDecoder} needs besides the encoder states. */
export interface BlipDecoderOptions {
  readonly useCache: boolean;
  readonly hints: KvShapeHints;
  /** The decoder file, for error messages. */
  readonly label: string;
}

/**
 * A {@link LogitsModel} whose first step feeds `prefixes` (equal-length rows, one per row of
 * `hidden` [rows, seq, dim]). `attention_mask` and `encoder_attention_mask` are all ones, as
 * `BlipForConditionalGeneration.generate` / `BlipForQuestionAnswering.generate` pass them for
 * unpadded prompts. Without a cache (or `useCache: false`) every step re-runs the sequence.
 */
export function blipDecoder(
  decoder: InferenceSession,
  hidden: Tensor<"float32">,
  prefixes: readonly (readonly number[])[],
  options: BlipDecoderOptions,
): LogitsModel {
  const layout = describeKvCache(decoder, options.label);
  const useCache = options.useCache && layout.entries.length > 0;
  const cache = new KvCache(layout, prefixes.length, options.hints, options.label);
  const inputs = new Set(decoder.inputs.map((i) => i.name));
  let states: Tensor = hidden;
  let history = prefixes.map((p) => [...p]);
  return {
    async next(tokens) {
      if (tokens !== null) history = history.map((h, r) => [...h, tokens[r]!]);
      const ids = useCache && cache.filled ? history.map((h) => [h[h.length - 1]!]) : history;
      const rows = history.length;
      const feeds: Record<string, Tensor> = {
        input_ids: int64Rows(ids),
        encoder_hidden_states: states,
        ...(useCache ? cache.feeds() : cache.emptyFeeds()),
      };
      if (inputs.has("attention_mask")) feeds.attention_mask = onesInt64(rows, history[0]!.length);
      if (inputs.has("encoder_attention_mask"))
        feeds.encoder_attention_mask = onesInt64(rows, states.dims[1]!);
      return runDecoderStep(decoder, feeds, cache, useCache, options.label);
    },
    reorder(indices) {
      states = gatherBatch(states, indices);
      history = indices.map((i) => [...history[i]!]);
      cache.reorder(indices);
    },
  };
}
