/**
 * Idefics3 / SmolVLM generation over the transformers.js graphs: `vision_encoder` on each
 * request's frames (`pixel_values` [1, frames, 3, S, S], `pixel_attention_mask` [1, frames, S, S]
 * bool) → `image_features` [frames, image_seq_len, hidden] (SigLIP tower + pixel-shuffle
 * connector), written over the `<image>` embeddings in order; then `decoder_model_merged` on
 * left-padded `inputs_embeds` with 1-D `position_ids`.
 */
import { expectTensor, tensor, toFloat32 } from "../../backend/tensor.js";
import { ClipkitError } from "../../errors.js";
import type { LogitsModel } from "../../generation/types.js";
import {
  type EmbedsRow,
  type EmbedsStartOptions,
  embedRows,
  embedsDecoder,
  leftPad,
} from "./embeds-decoder.js";
import type { EmbedsSessions } from "./embeds-sessions.js";
import type { Idefics3Inputs } from "./idefics3-processor.js";

/** The image features of one request's frames, `frames · image_seq_len × hidden` float32. */
async function imageFeatures(s: EmbedsSessions, input: Idefics3Inputs): Promise<Float32Array> {
  if (input.frames.length === 0) return new Float32Array(0);
  const size = input.frames[0]!.size;
  const count = input.frames.reduce((n, f) => n + f.count, 0);
  const pixels = new Float32Array(count * 3 * size * size);
  let at = 0;
  for (const f of input.frames) {
    pixels.set(f.data, at);
    at += f.data.length;
  }
  // Every frame is a full S × S image (tiles and the resized global image), so no pixel is padding.
  const mask = new Uint8Array(count * size * size).fill(1);
  const out = await s.vision.run({
    pixel_values: tensor("float32", pixels, [1, count, 3, size, size]),
    pixel_attention_mask: tensor("bool", mask, [1, count, size, size]),
  });
  return toFloat32(expectTensor(out, "image_features", "float32", 3, s.labels.vision));
}

/** Runs the vision tower per request and returns a {@link LogitsModel} whose first step feeds the prompts. */
export async function startIdefics3(
  s: EmbedsSessions,
  batch: readonly Idefics3Inputs[],
  o: EmbedsStartOptions,
): Promise<LogitsModel> {
  const { width, padded } = leftPad(
    batch.map((b) => b.ids),
    o.padTokenId,
  );
  const { data, dim } = await embedRows(s.embed, s.labels.embed, padded);
  const rows: EmbedsRow[] = [];
  for (const [r, b] of batch.entries()) {
    const features = await imageFeatures(s, b);
    const embeds = data.slice(r * width * dim, (r + 1) * width * dim);
    const pad = width - b.ids.length;
    let feature = 0;
    padded[r]!.forEach((t, i) => {
      if (i < pad || t !== o.imageTokenId) return;
      if ((feature + 1) * dim <= features.length) {
        embeds.set(features.subarray(feature * dim, (feature + 1) * dim), i * dim);
      }
      feature++;
    });
    if (feature * dim !== features.length) {
      throw new ClipkitError(
        "SHAPE_MISMATCH",
        `${s.labels.vision}: ${features.length / dim} image feature rows for ${feature} <image> tokens in prompt ${r}`,
        { details: { file: s.labels.vision, tensor: "image_features" } },
      );
    }
    // transformers' generate(): position_ids = cumsum(mask) - 1, 1 on padding.
    const positions = [...new Array<number>(pad).fill(1), ...b.ids.map((_, i) => i)];
    rows.push({
      embeds,
      mask: padded[r]!.map((_, i) => (i < pad ? 0 : 1)),
      positions: [positions],
      next: b.ids.length,
    });
  }
  return embedsDecoder(rows, {
    sessions: s,
    dim,
    hints: o.hints,
    useCache: o.useCache,
    positionLayout: "2d",
  });
}
