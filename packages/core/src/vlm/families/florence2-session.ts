/**
 * Running Florence-2's four graphs in the transformers.js layout (onnx-community/Florence-2-*):
 * `vision_encoder` (pixels → image features), `embed_tokens` (ids → embeddings), `encoder_model`
 * over image features followed by the prompt's embeddings (transformers.js'
 * `_merge_input_ids_with_image_features`, the same sequence transformers builds by scattering the
 * features over the `<image>` placeholders that precede the prompt), and the merged BART decoder
 * on `inputs_embeds` with the self- and cross-attention caches.
 */
import type { InferenceSession, Tensor } from "../../backend/session.js";
import { expectTensor, tensor, toFloat32 } from "../../backend/tensor.js";
import { ClipkitError } from "../../errors.js";
import {
  describeKvCache,
  gatherBatch,
  KvCache,
  type KvShapeHints,
  runDecoderStep,
} from "../../generation/kv-cache.js";
import type { LogitsModel } from "../../generation/types.js";
import { int64Rows, onesInt64 } from "../tensors.js";

/** The four sessions of a Florence-2 folder and their file names (for errors). */
export interface Florence2Sessions {
  readonly vision: InferenceSession;
  readonly embed: InferenceSession;
  readonly encoder: InferenceSession;
  readonly decoder: InferenceSession;
  readonly labels: {
    readonly vision: string;
    readonly embed: string;
    readonly encoder: string;
    readonly decoder: string;
  };
}

/** One request of a batch: preprocessed pixels ([3, H, W]) and the encoder prompt ids. */
export interface Florence2Input {
  readonly pixels: Float32Array;
  readonly pixelDims: readonly number[];
  /** `<s>` + prompt + `</s>` (transformers' processor, image placeholders left out). */
  readonly encoderIds: readonly number[];
}

function output(s: InferenceSession, out: Readonly<Record<string, Tensor>>, label: string): Tensor {
  const name = s.outputs[0]?.name;
  const t = name === undefined ? undefined : out[name];
  if (!t) {
    throw new ClipkitError("MODEL_TENSOR_MISSING", `${label}: no output ${JSON.stringify(name ?? "")}`, {
      details: { file: label, tensor: name ?? "" },
    });
  }
  return t;
}

async function embed(s: Florence2Sessions, rows: readonly (readonly number[])[]): Promise<Tensor<"float32">> {
  const t = output(s.embed, await s.embed.run({ input_ids: int64Rows(rows) }), s.labels.embed);
  return tensor("float32", toFloat32(t), t.dims);
}

/**
 * Encodes a batch (all `encoderIds` of equal length) and returns a {@link LogitsModel} whose first
 * step feeds `decoderPrefix` (the decoder start token) to every row.
 */
export async function startFlorence2(
  s: Florence2Sessions,
  batch: readonly Florence2Input[],
  decoderPrefix: readonly number[],
  options: { useCache: boolean; hints: KvShapeHints },
): Promise<LogitsModel> {
  const rows = batch.length;
  const [c, h, w] = batch[0]!.pixelDims as [number, number, number];
  const pixels = new Float32Array(rows * c * h * w);
  batch.forEach((b, r) => {
    pixels.set(b.pixels, r * c * h * w);
  });
  const visionOut = await s.vision.run({ pixel_values: tensor("float32", pixels, [rows, c, h, w]) });
  const feats = output(s.vision, visionOut, s.labels.vision);
  if (feats.dims.length !== 3) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `${s.labels.vision}: image features have dims [${feats.dims.join(", ")}], expected 3 axes`,
      {
        details: { file: s.labels.vision, tensor: s.vision.outputs[0]?.name ?? "" },
      },
    );
  }
  const [, nImage, dim] = feats.dims as [number, number, number];
  const featData = toFloat32(feats);
  const text = await embed(
    s,
    batch.map((b) => b.encoderIds),
  );
  const nText = text.dims[1]!;
  const seq = nImage + nText;
  const merged = new Float32Array(rows * seq * dim);
  for (let r = 0; r < rows; r++) {
    merged.set(featData.subarray(r * nImage * dim, (r + 1) * nImage * dim), r * seq * dim);
    merged.set(text.data.subarray(r * nText * dim, (r + 1) * nText * dim), (r * seq + nImage) * dim);
  }
  let mask: Tensor = onesInt64(rows, seq);
  const encoded = await s.encoder.run({
    inputs_embeds: tensor("float32", merged, [rows, seq, dim]),
    attention_mask: mask,
  });
  let hidden: Tensor = expectTensor(encoded, "last_hidden_state", "float32", 3, s.labels.encoder);

  const layout = describeKvCache(s.decoder, s.labels.decoder);
  const useCache = options.useCache && layout.entries.length > 0;
  const cache = new KvCache(layout, rows, options.hints, s.labels.decoder);
  let history = batch.map(() => [...decoderPrefix]);
  let started = false;
  return {
    async next(tokens) {
      if (tokens !== null) history = history.map((row, r) => [...row, tokens[r]!]);
      const fresh = useCache && started ? history.map((row) => [row[row.length - 1]!]) : history;
      const feeds: Record<string, Tensor> = {
        inputs_embeds: await embed(s, fresh),
        encoder_hidden_states: hidden,
        encoder_attention_mask: mask,
        ...(useCache ? cache.feeds() : cache.emptyFeeds()),
      };
      const step = await runDecoderStep(s.decoder, feeds, cache, useCache, s.labels.decoder);
      started = true;
      return step;
    },
    reorder(indices) {
      hidden = gatherBatch(hidden, indices);
      mask = gatherBatch(mask, indices);
      history = indices.map((i) => [...history[i]!]);
      cache.reorder(indices);
    },
  };
}
