/**
 * The encoder-decoder captioner (transformers.js `image-to-text`, e.g. vit-gpt2): the encoder
 * runs once per image, the merged decoder once per step with the KV cache. The decoder prefix
 * is the start token plus, for VQA, the question tokens.
 */
import type { InferenceSession, Tensor } from "../backend/session.js";
import { expectTensor, tensor } from "../backend/tensor.js";
import { ClipkitError } from "../errors.js";
import {
  describeKvCache,
  gatherBatch,
  KvCache,
  type KvShapeHints,
  runDecoderStep,
} from "../generation/kv-cache.js";
import type { LogitsModel } from "../generation/types.js";
import { needTensors } from "./folder.js";
import { int64Rows, onesInt64 } from "./tensors.js";

/** Loaded sessions of an encoder-decoder folder. */
export interface EncoderDecoderSessions {
  readonly encoder: InferenceSession;
  readonly decoder: InferenceSession;
  /** File names, for error messages. */
  readonly labels: { readonly encoder: string; readonly decoder: string };
}

/** Checks the graphs have the inputs and outputs this layout needs. */
export function checkEncoderDecoder(s: EncoderDecoderSessions): void {
  needTensors(s.encoder, s.labels.encoder, ["pixel_values"], "inputs");
  needTensors(s.decoder, s.labels.decoder, ["input_ids", "encoder_hidden_states"], "inputs");
  needTensors(s.decoder, s.labels.decoder, ["logits"], "outputs");
}

/**
 * Encodes `pixels` ([B, 3, H, W]) and returns a {@link LogitsModel} whose first step feeds
 * `prefixes` (one equal-length id row per image). `useCache: false` re-runs the whole prefix
 * every step with empty caches.
 */
export async function startEncoderDecoder(
  s: EncoderDecoderSessions,
  pixels: Tensor<"float32">,
  prefixes: readonly (readonly number[])[],
  options: { useCache: boolean; hints: KvShapeHints },
): Promise<LogitsModel> {
  if (new Set(prefixes.map((p) => p.length)).size > 1) {
    throw new ClipkitError("INVALID_ARGUMENT", "decoder prefixes of one batch must have equal lengths", {
      details: { argument: "prefixes" },
    });
  }
  const encoded = await s.encoder.run({ pixel_values: pixels }, ["last_hidden_state"]);
  let hidden: Tensor = expectTensor(encoded, "last_hidden_state", "float32", 3, s.labels.encoder);
  const layout = describeKvCache(s.decoder, s.labels.decoder);
  // A decoder without cache inputs (plain decoder_model.onnx) can only re-run the sequence.
  const useCache = options.useCache && layout.entries.length > 0;
  const cache = new KvCache(layout, prefixes.length, options.hints, s.labels.decoder);
  const inputs = new Set(s.decoder.inputs.map((i) => i.name));
  let history = prefixes.map((p) => [...p]);
  return {
    async next(tokens) {
      if (tokens !== null) history = history.map((h, r) => [...h, tokens[r]!]);
      const ids = tokens === null || !useCache ? history : tokens.map((t) => [t]);
      const rows = history.length;
      const feeds: Record<string, Tensor> = {
        input_ids: int64Rows(ids),
        encoder_hidden_states: hidden,
        ...(useCache ? cache.feeds() : cache.emptyFeeds()),
      };
      const total = history[0]!.length;
      const fresh = ids[0]!.length;
      if (inputs.has("encoder_attention_mask"))
        feeds.encoder_attention_mask = onesInt64(rows, hidden.dims[1]!);
      if (inputs.has("attention_mask")) feeds.attention_mask = onesInt64(rows, total);
      if (inputs.has("position_ids")) {
        const pos = Array.from({ length: fresh }, (_, i) => total - fresh + i);
        feeds.position_ids = int64Rows(history.map(() => pos));
      }
      return runDecoderStep(s.decoder, feeds, cache, useCache, s.labels.decoder);
    },
    reorder(indices) {
      hidden = gatherBatch(hidden, indices);
      history = indices.map((i) => [...history[i]!]);
      cache.reorder(indices);
    },
  };
}

/** A float32 NCHW tensor over preprocessed pixels. */
export function pixelTensor(data: Float32Array, dims: readonly number[]): Tensor<"float32"> {
  return tensor("float32", data, dims);
}
