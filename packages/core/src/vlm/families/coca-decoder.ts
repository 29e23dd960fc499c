/**
 * CoCa's multimodal text decoder as a {@link LogitsModel}, following open_clip's
 * `CoCa.generate` greedy/sampling loop: every step re-encodes the whole prefix (no KV cache), and
 * the token at position `seqLen - 1` is forced to EOS whatever the logits say.
 *
 * The graph (`onnx/decoder_model.onnx`, tools/fixtures/coca/caption.py) takes a fixed-length
 * `input_ids` [rows, context] — the traced attention reshapes bake the length in — so each prefix
 * is padded with open_clip's pad id 0 and the logits are read at its last position. Attention is
 * causal, so the padding after the prefix does not change them.
 */
import type { InferenceSession, Tensor } from "../../backend/session.js";
import { toFloat32 } from "../../backend/tensor.js";
import { ClipkitError } from "../../errors.js";
import { gatherBatch } from "../../generation/kv-cache.js";
import type { LogitsModel } from "../../generation/types.js";
import { int64Rows } from "../tensors.js";

/** What {@link cocaDecoder} needs besides the image tokens. */
export interface CocaDecoderOptions {
  /** `input_ids` length the graph declares (open_clip's text `context_length`). */
  readonly context: number;
  /** open_clip `generate`'s `seq_len` (SOT included): the token at `seqLen - 1` is EOS. */
  readonly seqLen: number;
  readonly eosTokenId: number;
  /** open_clip's `pad_id`, written after each prefix. */
  readonly padTokenId: number;
  /** The decoder file, for error messages. */
  readonly label: string;
}

/** Each row's logits at its own last position `ends[row]` of a [rows, seq, vocab] output, as float32 rows. */
function prefixLogits(logits: Tensor, ends: readonly number[], label: string): Float32Array {
  const [rows, seq, vocab] = logits.dims as [number, number, number];
  if (logits.dims.length !== 3 || rows !== ends.length || ends.some((e) => e >= seq)) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `${label}: logits have dims [${logits.dims.join(", ")}], expected [${ends.length}, context, vocab]`,
      { details: { file: label, tensor: "logits" } },
    );
  }
  const all = toFloat32(logits);
  const out = new Float32Array(rows * vocab);
  ends.forEach((pos, r) => {
    const start = (r * seq + pos) * vocab;
    out.set(all.subarray(start, start + vocab), r * vocab);
  });
  return out;
}

/**
 * A {@link LogitsModel} over `imageTokens` [rows, queries, width] (the `_encode_image` tokens)
 * whose first step feeds `prefixes` (one per row, `[SOT]` for a plain caption). Fails with
 * `INVALID_ARGUMENT` when a sequence would outgrow the graph's `context`.
 */
export function cocaDecoder(
  decoder: InferenceSession,
  imageTokens: Tensor<"float32">,
  prefixes: readonly (readonly number[])[],
  options: CocaDecoderOptions,
): LogitsModel {
  let states: Tensor = imageTokens;
  let history = prefixes.map((p) => [...p]);
  return {
    async next(tokens) {
      if (tokens !== null) history = history.map((h, r) => [...h, tokens[r]!]);
      const length = history[0]!.length;
      if (length > options.context) {
        throw new ClipkitError(
          "INVALID_ARGUMENT",
          `${options.label}: a CoCa sequence of ${length} tokens exceeds the decoder's ${options.context} positions`,
          { details: { file: options.label, length, context: options.context } },
        );
      }
      const padded = history.map((h) => [
        ...h,
        ...new Array<number>(options.context - h.length).fill(options.padTokenId),
      ]);
      const out = await decoder.run({ input_ids: int64Rows(padded), encoder_hidden_states: states }, [
        "logits",
      ]);
      const logits = out.logits;
      if (!logits) {
        throw new ClipkitError("MODEL_TENSOR_MISSING", `${options.label}: output "logits" was not produced`, {
          details: { file: options.label, tensor: "logits" },
        });
      }
      const vocabSize = logits.dims[2]!;
      const rows = prefixLogits(
        logits,
        history.map((h) => h.length - 1),
        options.label,
      );
      // open_clip: `if cur_len + 1 == seq_len: sample = eos_token_id` (cur_len = prefix length).
      if (length + 1 === options.seqLen) {
        for (let r = 0; r < history.length; r++) {
          const row = rows.subarray(r * vocabSize, (r + 1) * vocabSize);
          row.fill(Number.NEGATIVE_INFINITY);
          row[options.eosTokenId] = 0;
        }
      }
      return { logits: rows, vocabSize };
    },
    reorder(indices) {
      states = gatherBatch(states, indices);
      history = indices.map((i) => [...history[i]!]);
    },
  };
}
