/**
 * Qwen2-VL generation over the transformers.js graphs: `vision_encoder` (`pixel_values` patch
 * rows of every image of the batch + `grid_thw`) → `image_features` (one row per merged patch),
 * `embed_tokens` on the left-padded prompts, the features written over the `<|image_pad|>`
 * embeddings in order, then `decoder_model_merged` with the 3 × batch × length rotary ids.
 */
import type { Tensor } from "../../backend/session.js";
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
import type { Qwen2VLInputs } from "./qwen2-vl-processor.js";

async function imageFeatures(s: EmbedsSessions, batch: readonly Qwen2VLInputs[]): Promise<Float32Array> {
  const patches = batch.flatMap((b) => b.patches);
  if (patches.length === 0) return new Float32Array(0);
  const rowLength = patches[0]!.rowLength;
  const rows = patches.reduce((n, p) => n + p.rows, 0);
  const pixels = new Float32Array(rows * rowLength);
  const grid = new BigInt64Array(patches.length * 3);
  let at = 0;
  patches.forEach((p, i) => {
    pixels.set(p.data, at);
    at += p.data.length;
    p.gridThw.forEach((v, j) => {
      grid[i * 3 + j] = BigInt(v);
    });
  });
  const feeds: Record<string, Tensor> = {
    pixel_values: tensor("float32", pixels, [rows, rowLength]),
    grid_thw: tensor("int64", grid, [patches.length, 3]),
  };
  const out = await s.vision.run(feeds);
  return toFloat32(expectTensor(out, "image_features", "float32", 2, s.labels.vision));
}

/** Runs the vision tower and returns a {@link LogitsModel} whose first step feeds the prompts. */
export async function startQwen2VL(
  s: EmbedsSessions,
  batch: readonly Qwen2VLInputs[],
  o: EmbedsStartOptions,
): Promise<LogitsModel> {
  const features = await imageFeatures(s, batch);
  const { width, padded } = leftPad(
    batch.map((b) => b.ids),
    o.padTokenId,
  );
  const { data, dim } = await embedRows(s.embed, s.labels.embed, padded);
  const placeholders = padded.reduce((n, r) => n + r.filter((t) => t === o.imageTokenId).length, 0);
  if (placeholders * dim !== features.length) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `${s.labels.vision}: ${features.length / dim} image feature rows for ${placeholders} <|image_pad|> tokens`,
      { details: { file: s.labels.vision, tensor: "image_features" } },
    );
  }
  let feature = 0;
  const rows: EmbedsRow[] = batch.map((b, r) => {
    const embeds = data.slice(r * width * dim, (r + 1) * width * dim);
    padded[r]!.forEach((t, i) => {
      if (t !== o.imageTokenId) return;
      embeds.set(features.subarray(feature * dim, (feature + 1) * dim), i * dim);
      feature++;
    });
    const pad = width - b.ids.length;
    // transformers' get_rope_index leaves 1 at padded positions.
    const positions = b.positions.map((c) => [...new Array<number>(pad).fill(1), ...c]);
    return { embeds, mask: padded[r]!.map((_, i) => (i < pad ? 0 : 1)), positions, next: b.next };
  });
  return embedsDecoder(rows, {
    sessions: s,
    dim,
    hints: o.hints,
    useCache: o.useCache,
    positionLayout: "3d",
  });
}
