/**
 * The generation loop shared by the VLM families whose decoder takes `inputs_embeds`
 * (transformers.js `decoder_model_merged` with `embed_tokens`): left-padded prompt embeddings with
 * image features already in place, an attention mask, position ids (1-D, or Qwen2-VL's 3 × batch ×
 * length multimodal rotary ids) and the KV cache. New tokens go through `embed_tokens` and take
 * the next position of their row on every channel.
 */
import type { InferenceSession, Tensor } from "../../backend/session.js";
import { expectTensor, tensor, toFloat32 } from "../../backend/tensor.js";
import { describeKvCache, KvCache, type KvShapeHints, runDecoderStep } from "../../generation/kv-cache.js";
import type { LogitsModel } from "../../generation/types.js";
import { int64Rows } from "../tensors.js";
import type { EmbedsSessions } from "./embeds-sessions.js";

/** `embed_tokens` on equal-length rows → `rows × width × dim` float32. */
export async function embedRows(
  session: InferenceSession,
  label: string,
  rows: readonly (readonly number[])[],
): Promise<{ data: Float32Array; dim: number }> {
  const out = await session.run({ input_ids: int64Rows(rows) });
  const t = expectTensor(out, "inputs_embeds", "float32", 3, label);
  return { data: toFloat32(t), dim: t.dims[2] as number };
}

/** The prompts' ids left-padded with `pad` to the longest (`width`), as transformers pads for generate(). */
export function leftPad(
  prompts: readonly (readonly number[])[],
  pad: number,
): { width: number; padded: number[][] } {
  const width = Math.max(...prompts.map((p) => p.length));
  return { width, padded: prompts.map((p) => [...new Array<number>(width - p.length).fill(pad), ...p]) };
}

/** What the `inputs_embeds` families' `start` takes besides the sessions and the prepared inputs. */
export interface EmbedsStartOptions {
  readonly useCache: boolean;
  readonly hints: KvShapeHints;
  /** The placeholder token whose embeddings the image features replace. */
  readonly imageTokenId: number;
  /** Fills the left padding of shorter prompts. */
  readonly padTokenId: number;
}

/** One prompt row, left-padded to the batch width. */
export interface EmbedsRow {
  /** `width × dim` prompt embeddings (padding rows included). */
  readonly embeds: Float32Array;
  /** 0 on padding, 1 elsewhere. */
  readonly mask: readonly number[];
  /** Position ids per channel (`channels × width`); padding positions as transformers fills them. */
  readonly positions: readonly (readonly number[])[];
  /** Position of the first generated token (max prompt position + 1). */
  readonly next: number;
}

export interface EmbedsDecoderOptions {
  /** The decoder runs the steps; `embed_tokens` embeds each new token. */
  readonly sessions: EmbedsSessions;
  readonly dim: number;
  readonly hints: KvShapeHints;
  readonly useCache: boolean;
  /** `"3d"`: position_ids shaped [channels, batch, seq] (Qwen2-VL); `"2d"`: [batch, seq]. */
  readonly positionLayout: "2d" | "3d";
  /**
   * Feed `token_type_ids` (0 on the prompt, 1 on generated tokens) when the decoder takes it: the
   * prefix-LM mask of PaliGemma exports that carry it.
   */
  readonly tokenTypes?: boolean;
}

interface RowState {
  embeds: Float32Array;
  mask: number[];
  positions: number[][];
  next: number;
}

function positionTensor(rows: readonly RowState[], from: number, layout: "2d" | "3d"): Tensor<"int64"> {
  if (layout === "2d") return int64Rows(rows.map((r) => r.positions[0]!.slice(from)));
  const channels = rows[0]!.positions.length;
  const width = rows[0]!.positions[0]!.length - from;
  const data = new BigInt64Array(channels * rows.length * width);
  for (let c = 0; c < channels; c++) {
    rows.forEach((r, b) => {
      const src = r.positions[c]!;
      for (let i = 0; i < width; i++) data[(c * rows.length + b) * width + i] = BigInt(src[from + i]!);
    });
  }
  return tensor("int64", data, [channels, rows.length, width]);
}

/** A {@link LogitsModel} over prepared rows: the first `next(null)` feeds the prompts. */
export function embedsDecoder(prompts: readonly EmbedsRow[], o: EmbedsDecoderOptions): LogitsModel {
  const { dim } = o;
  const { decoder, embed } = o.sessions;
  const label = o.sessions.labels.decoder;
  let rows: RowState[] = prompts.map((p) => ({
    embeds: p.embeds,
    mask: [...p.mask],
    positions: p.positions.map((c) => [...c]),
    next: p.next,
  }));
  const layout = describeKvCache(decoder, label);
  const useCache = o.useCache && layout.entries.length > 0;
  const cache = new KvCache(layout, rows.length, o.hints, label);
  const hasPositions = decoder.inputs.some((i) => i.name === "position_ids");
  const hasTypes = o.tokenTypes === true && decoder.inputs.some((i) => i.name === "token_type_ids");
  const promptWidth = prompts[0]?.mask.length ?? 0;
  let started = false;
  return {
    async next(tokens) {
      if (tokens !== null) {
        const added = (
          await embedRows(
            embed,
            o.sessions.labels.embed,
            tokens.map((t) => [t]),
          )
        ).data;
        rows = rows.map((r, i) => {
          const token = added.subarray(i * dim, (i + 1) * dim);
          // With the cache only the new token is fed; without it the whole sequence is re-fed.
          const grown = new Float32Array(useCache ? dim : r.embeds.length + dim);
          if (!useCache) grown.set(r.embeds);
          grown.set(token, grown.length - dim);
          return {
            embeds: grown,
            mask: [...r.mask, 1],
            positions: r.positions.map((c) => [...c, r.next]),
            next: r.next + 1,
          };
        });
      }
      const total = rows[0]!.mask.length;
      const from = useCache && started ? total - 1 : 0;
      const fresh = total - from;
      const feed = new Float32Array(rows.length * fresh * dim);
      rows.forEach((r, i) => {
        feed.set(r.embeds.subarray(r.embeds.length - fresh * dim), i * fresh * dim);
      });
      const feeds: Record<string, Tensor> = {
        inputs_embeds: tensor("float32", feed, [rows.length, fresh, dim]),
        attention_mask: int64Rows(rows.map((r) => r.mask)),
        ...(useCache ? cache.feeds() : cache.emptyFeeds()),
      };
      if (hasPositions) feeds.position_ids = positionTensor(rows, from, o.positionLayout);
      if (hasTypes) {
        const types = Array.from({ length: fresh }, (_, i) => (from + i < promptWidth ? 0 : 1));
        feeds.token_type_ids = int64Rows(rows.map(() => types));
      }
      const step = await runDecoderStep(decoder, feeds, cache, useCache, label);
      started = true;
      return step;
    },
    reorder(indices) {
      rows = indices.map((i) => {
        const r = rows[i]!;
        return {
          embeds: r.embeds,
          mask: [...r.mask],
          positions: r.positions.map((c) => [...c]),
          next: r.next,
        };
      });
      cache.reorder(indices);
    },
  };
}
