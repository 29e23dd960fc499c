/**
 * The LLaVA-style VLM (transformers.js llava layout): `vision_encoder` → projected image
 * features, `embed_tokens` → prompt embeddings, the image placeholder's embedding replaced by
 * all feature rows, then a decoder on `inputs_embeds` with `attention_mask`, `position_ids` and
 * the KV cache. Prompts of one batch are left-padded (mask 0, HF position ids).
 */
import type { InferenceSession, Tensor } from "../backend/session.js";
import { expectTensor, tensor, toFloat32 } from "../backend/tensor.js";
import { ClipkitError } from "../errors.js";
import { describeKvCache, KvCache, type KvShapeHints, runDecoderStep } from "../generation/kv-cache.js";
import type { LogitsModel } from "../generation/types.js";
import { needTensors } from "./folder.js";
import { int64Rows } from "./tensors.js";

/** Loaded sessions of a LLaVA-style folder. */
export interface LlavaSessions {
  readonly vision: InferenceSession;
  readonly embed: InferenceSession;
  readonly decoder: InferenceSession;
  readonly labels: { readonly vision: string; readonly embed: string; readonly decoder: string };
}

/** Checks the graphs have the inputs and outputs this layout needs. */
export function checkLlava(s: LlavaSessions): void {
  needTensors(s.vision, s.labels.vision, ["pixel_values"], "inputs");
  needTensors(s.embed, s.labels.embed, ["input_ids"], "inputs");
  needTensors(s.decoder, s.labels.decoder, ["inputs_embeds", "attention_mask"], "inputs");
  needTensors(s.decoder, s.labels.decoder, ["logits"], "outputs");
}

async function embed(s: LlavaSessions, rows: readonly (readonly number[])[]): Promise<Float32Array> {
  const out = await s.embed.run({ input_ids: int64Rows(rows) });
  const name = s.embed.outputs[0]?.name ?? "inputs_embeds";
  const t = out[name] ?? out.inputs_embeds;
  if (!t) {
    throw new ClipkitError("MODEL_TENSOR_MISSING", `${s.labels.embed}: no output "${name}"`, {
      details: { file: s.labels.embed, tensor: name },
    });
  }
  return toFloat32(t);
}

/**
 * Runs the vision tower on `pixels` (every image of the batch, rows in prompt order; null when no
 * prompt has an image) and returns a {@link LogitsModel} whose first step feeds `prompts`: ids in
 * which each image is already expanded to its feature rows of `imageTokenId` (as LlavaProcessor
 * expands `<image>`), rows possibly of different lengths (left-padded). Like transformers'
 * `masked_scatter`, the image-token positions take the feature rows in order.
 */
export async function startLlava(
  s: LlavaSessions,
  pixels: Tensor<"float32"> | null,
  prompts: readonly (readonly number[])[],
  options: {
    useCache: boolean;
    hints: KvShapeHints;
    imageTokenId: number;
    padTokenId: number;
    /** Images per prompt row (their sum is `pixels`' batch size). */
    imagesPerRow: readonly number[];
  },
): Promise<LogitsModel> {
  let feats: Float32Array = new Float32Array(0);
  let nImage = 0;
  let dim = 0;
  if (pixels !== null) {
    const visionOut = await s.vision.run({ pixel_values: pixels });
    const featName = s.vision.outputs[0]?.name ?? "image_features";
    const t = expectTensor(visionOut, featName, "float32", 3, s.labels.vision);
    [, nImage, dim] = t.dims as [number, number, number];
    feats = t.data;
  }
  prompts.forEach((p, i) => {
    const n = p.filter((t) => t === options.imageTokenId).length;
    const want = (options.imagesPerRow[i] ?? 0) * nImage;
    if (n !== want) {
      throw new ClipkitError(
        "PROMPT_INVALID",
        `prompt ${i} has ${n} image tokens; its ${options.imagesPerRow[i] ?? 0} image(s) give ${want} feature rows`,
        {
          details: {
            argument: `prompts[${i}]`,
            imageTokenId: options.imageTokenId,
            imageTokens: n,
            featureRows: want,
          },
        },
      );
    }
  });
  const width = Math.max(...prompts.map((p) => p.length));
  const padded = prompts.map((p) => [...new Array<number>(width - p.length).fill(options.padTokenId), ...p]);
  const promptEmbeds = await embed(s, padded);
  const embedDim = promptEmbeds.length / (padded.length * width);
  if (pixels !== null && dim !== embedDim) {
    throw new ClipkitError(
      "MODEL_TENSOR_MISSING",
      `${s.labels.vision}: image features have width ${dim}, the token embeddings ${embedDim}`,
      { details: { file: s.labels.vision, featureWidth: dim, embedWidth: embedDim } },
    );
  }
  dim = embedDim;
  const seq = width;
  // Per row: the full embedding sequence so far (no-cache mode re-feeds it) and its mask.
  let nextFeature = 0;
  let embeds = padded.map((row, r) => {
    const out = promptEmbeds.slice(r * width * dim, (r + 1) * width * dim);
    const firstReal = width - prompts[r]!.length;
    row.forEach((id, at) => {
      if (at < firstReal || id !== options.imageTokenId) return;
      out.set(feats.subarray(nextFeature * dim, (nextFeature + 1) * dim), at * dim);
      nextFeature += 1;
    });
    return out;
  });
  let masks = prompts.map((p) => Array.from({ length: seq }, (_, i) => (i < width - p.length ? 0 : 1)));
  const layout = describeKvCache(s.decoder, s.labels.decoder);
  const useCache = options.useCache && layout.entries.length > 0;
  const cache = new KvCache(layout, prompts.length, options.hints, s.labels.decoder);
  const hasPositions = s.decoder.inputs.some((i) => i.name === "position_ids");
  let started = false;

  // HF: position_ids = cumsum(mask) - 1, with 1 at padded positions.
  const positions = (mask: readonly number[]) => {
    let c = -1;
    return mask.map((m) => (m ? ++c : 1));
  };

  return {
    async next(tokens) {
      const rows = embeds.length;
      let feedEmbeds: Float32Array;
      let fresh: number;
      if (tokens !== null) {
        const added = await embed(
          s,
          tokens.map((t) => [t]),
        );
        embeds = embeds.map((e, r) => {
          const grown = new Float32Array(e.length + dim);
          grown.set(e);
          grown.set(added.subarray(r * dim, (r + 1) * dim), e.length);
          return grown;
        });
        masks = masks.map((m) => [...m, 1]);
      }
      const total = masks[0]!.length;
      if (useCache && started) {
        fresh = 1;
        feedEmbeds = new Float32Array(rows * dim);
        embeds.forEach((e, r) => {
          feedEmbeds.set(e.subarray(e.length - dim), r * dim);
        });
      } else {
        fresh = total;
        feedEmbeds = new Float32Array(rows * total * dim);
        embeds.forEach((e, r) => {
          feedEmbeds.set(e, r * total * dim);
        });
      }
      const feeds: Record<string, Tensor> = {
        inputs_embeds: tensor("float32", feedEmbeds, [rows, fresh, dim]),
        attention_mask: int64Rows(masks),
        ...(useCache ? cache.feeds() : cache.emptyFeeds()),
      };
      if (hasPositions) feeds.position_ids = int64Rows(masks.map((m) => positions(m).slice(total - fresh)));
      const step = await runDecoderStep(s.decoder, feeds, cache, useCache, s.labels.decoder);
      started = true;
      return step;
    },
    reorder(indices) {
      embeds = indices.map((i) => embeds[i]!);
      masks = indices.map((i) => [...masks[i]!]);
      cache.reorder(indices);
    },
  };
}
