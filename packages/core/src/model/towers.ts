import type { InferenceSession, Tensor, ValueInfo } from "../backend/session.js";
import { tensor, toFloat32 } from "../backend/tensor.js";
import { ClipkitError } from "../errors.js";
import { float32ToFloat16 } from "./fp16.js";

/** Token rows ready for a text graph: `[count, length]` ids and mask. */
export interface TokenBatch {
  readonly ids: BigInt64Array;
  readonly mask: BigInt64Array;
  readonly count: number;
  readonly length: number;
}

/**
 * `pixel_values` for a vision graph: float32 `[N, 3, H, W]`, or for SigLIP 2 NaFlex graphs
 * `[N, patches, p·p·3]` with the patch mask and grid shapes.
 */
export interface PixelBatch {
  readonly data: Float32Array;
  readonly dims: readonly number[];
  /** NaFlex `pixel_attention_mask` `[N, patches]` (1 = real patch). */
  readonly pixelAttentionMask?: BigInt64Array;
  /** NaFlex `spatial_shapes` `[N, 2]` (patch rows, patch columns). */
  readonly spatialShapes?: BigInt64Array;
}

/** One tower bound to its session: feeds in, un-normalised `[count × dim]` rows out. */
export interface Tower<B> {
  readonly label: string;
  readonly output: string;
  /** Output width when the graph declares it. */
  readonly declaredDim: number | undefined;
  run(batch: B): Promise<{ data: Float32Array; count: number; dim: number }>;
}

function find(infos: readonly ValueInfo[], name: string): ValueInfo | undefined {
  return infos.find((i) => i.name === name);
}

function missing(
  label: string,
  kind: "input" | "output",
  wanted: string[],
  infos: readonly ValueInfo[],
): ClipkitError {
  const have = infos.map((i) => i.name);
  return new ClipkitError(
    "MODEL_TENSOR_MISSING",
    `${label}: graph has no ${kind} ${wanted.map((w) => `"${w}"`).join(" or ")} (it has ${have.join(", ") || "none"})`,
    { details: { file: label, tensor: wanted[0], [kind === "input" ? "inputs" : "outputs"]: have } },
  );
}

function pickOutput(session: InferenceSession, label: string, names: string[]): ValueInfo {
  for (const n of names) {
    const info = find(session.outputs, n);
    if (info) return info;
  }
  throw missing(label, "output", names, session.outputs);
}

function lastDim(info: ValueInfo): number | undefined {
  const d = info.dims?.[info.dims.length - 1];
  return typeof d === "number" && d > 0 ? d : undefined;
}

function ids(type: ValueInfo["type"], data: BigInt64Array, dims: number[]): Tensor {
  if (type === "int32")
    return tensor(
      "int32",
      Int32Array.from(data, (v) => Number(v)),
      dims,
    );
  return tensor("int64", data, dims);
}

function pixels(type: ValueInfo["type"], batch: PixelBatch): Tensor {
  if (type === "float16") return tensor("float16", float32ToFloat16(batch.data), batch.dims);
  return tensor("float32", batch.data, batch.dims);
}

function assertOnlyKnownInputs(session: InferenceSession, label: string, known: string[]): void {
  const extra = session.inputs.filter((i) => !known.includes(i.name)).map((i) => i.name);
  if (extra.length > 0) {
    throw new ClipkitError(
      "MODEL_LAYOUT_UNSUPPORTED",
      `${label}: graph needs inputs clipkit cannot feed: ${extra.join(", ")} (it feeds ${known.join(", ")})`,
      { details: { file: label, inputs: extra } },
    );
  }
}

async function runOutput(
  session: InferenceSession,
  label: string,
  feeds: Record<string, Tensor>,
  output: string,
  count: number,
): Promise<{ data: Float32Array; count: number; dim: number }> {
  const result = await session.run(feeds, [output]);
  const t = result[output];
  if (!t) throw missing(label, "output", [output], session.outputs);
  if (t.dims.length !== 2 || t.dims[0] !== count) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `${label}: output "${output}" has dims [${t.dims.join(", ")}], expected [${count}, dim]`,
      { details: { file: label, tensor: output, dims: t.dims } },
    );
  }
  return { data: toFloat32(t), count, dim: t.dims[1]! };
}

/** What a combined graph needs besides the tower being run: a tiny dummy of the other modality. */
export interface DummyInputs {
  /** A one-row token batch (the tokenisation of `""`) for running the vision tower of a combined graph. */
  readonly tokens: TokenBatch;
  /** Image side for a zero `pixel_values` when running the text tower of a combined graph. */
  readonly imageSize: number;
}

/**
 * Binds a text graph: `input_ids` (+ `attention_mask` when declared) → `text_embeds`, or SigLIP's
 * `pooler_output`. Names are read from the session, so a folder that does not fit fails here, early.
 */
export function textTower(
  session: InferenceSession,
  label: string,
  modelType: "clip" | "siglip",
  dummy?: DummyInputs,
): Tower<TokenBatch> {
  const idsInfo = find(session.inputs, "input_ids");
  if (!idsInfo) throw missing(label, "input", ["input_ids"], session.inputs);
  const maskInfo = find(session.inputs, "attention_mask");
  const pixelInfo = find(session.inputs, "pixel_values");
  assertOnlyKnownInputs(session, label, ["input_ids", "attention_mask", ...(dummy ? ["pixel_values"] : [])]);
  const out = pickOutput(
    session,
    label,
    // `text_embeddings`: jina-clip's exports (un-normalised; clipkit normalises itself).
    modelType === "siglip" ? ["text_embeds", "pooler_output"] : ["text_embeds", "text_embeddings"],
  );
  return {
    label,
    output: out.name,
    declaredDim: lastDim(out),
    async run(batch) {
      const dims = [batch.count, batch.length];
      const feeds: Record<string, Tensor> = { input_ids: ids(idsInfo.type, batch.ids, dims) };
      if (maskInfo) {
        // HF's SigLIP processor returns no mask, so the reference runs unmasked (= all ones),
        // padding included; feeding the real mask would change the pooled last position.
        const mask = modelType === "siglip" ? new BigInt64Array(batch.ids.length).fill(1n) : batch.mask;
        feeds.attention_mask = ids(maskInfo.type, mask, dims);
      }
      if (pixelInfo && dummy) {
        const s = dummy.imageSize;
        feeds.pixel_values = pixels(pixelInfo.type, {
          data: new Float32Array(3 * s * s),
          dims: [1, 3, s, s],
        });
      }
      return runOutput(session, label, feeds, out.name, batch.count);
    },
  };
}

/** Binds a vision graph: float `pixel_values` `[N, 3, H, W]` → `image_embeds` or SigLIP's `pooler_output`. */
export function visionTower(
  session: InferenceSession,
  label: string,
  modelType: "clip" | "siglip",
  dummy?: DummyInputs,
): Tower<PixelBatch> {
  const pixelInfo = find(session.inputs, "pixel_values");
  if (!pixelInfo) throw missing(label, "input", ["pixel_values"], session.inputs);
  const idsInfo = find(session.inputs, "input_ids");
  const maskInfo = find(session.inputs, "attention_mask");
  const naflex = ["pixel_attention_mask", "spatial_shapes"] as const;
  const naflexInfo = naflex.map((n) => find(session.inputs, n));
  assertOnlyKnownInputs(session, label, [
    "pixel_values",
    ...naflex,
    ...(dummy ? ["input_ids", "attention_mask"] : []),
  ]);
  const out = pickOutput(
    session,
    label,
    modelType === "siglip" ? ["image_embeds", "pooler_output"] : ["image_embeds", "image_embeddings"],
  );
  const runBatch = async (batch: PixelBatch) => {
    const count = batch.dims[0] ?? 0;
    const feeds: Record<string, Tensor> = { pixel_values: pixels(pixelInfo.type, batch) };
    const patchInputs = [batch.pixelAttentionMask, batch.spatialShapes];
    for (const [k, info] of naflexInfo.entries()) {
      if (!info) continue;
      const values = patchInputs[k];
      if (!values) {
        throw new ClipkitError(
          "INVALID_ARGUMENT",
          `${label}: the graph takes "${info.name}" (SigLIP 2 NaFlex) but the images were not patchified`,
          { details: { file: label, tensor: info.name } },
        );
      }
      feeds[info.name] = ids(info.type, values, [count, values.length / count]);
    }
    if (dummy && idsInfo) {
      const t = dummy.tokens;
      feeds.input_ids = ids(idsInfo.type, t.ids, [t.count, t.length]);
      if (maskInfo) feeds.attention_mask = ids(maskInfo.type, t.mask, [t.count, t.length]);
    }
    return runOutput(session, label, feeds, out.name, count);
  };
  // Graphs exported with a fixed batch of 1 (SigLIP 2 NaFlex: its position-embedding resize loops
  // over the batch, so torch.export pins it) run row by row.
  const oneAtATime = pixelInfo.dims?.[0] === 1;
  return {
    label,
    output: out.name,
    declaredDim: lastDim(out),
    async run(batch) {
      const count = batch.dims[0] ?? 0;
      if (!oneAtATime || count <= 1) return runBatch(batch);
      const rows = [];
      for (let i = 0; i < count; i++) rows.push(await runBatch(rowOf(batch, i)));
      const dim = rows[0]!.dim;
      const data = new Float32Array(count * dim);
      for (const [i, r] of rows.entries()) data.set(r.data, i * dim);
      return { data, count, dim };
    },
  };
}

/** Row `i` of a batch as a batch of one (NaFlex mask and shapes included). */
function rowOf(batch: PixelBatch, i: number): PixelBatch {
  const count = batch.dims[0]!;
  const slice = <T extends Float32Array | BigInt64Array>(a: T): T => {
    const per = a.length / count;
    return a.subarray(i * per, (i + 1) * per) as T;
  };
  return {
    data: slice(batch.data),
    dims: [1, ...batch.dims.slice(1)],
    ...(batch.pixelAttentionMask ? { pixelAttentionMask: slice(batch.pixelAttentionMask) } : {}),
    ...(batch.spatialShapes ? { spatialShapes: slice(batch.spatialShapes) } : {}),
  };
}

/** Square side a vision graph declares for `pixel_values` (`[N, 3, H, W]` with numeric H = W), if any. */
export function declaredImageSize(session: InferenceSession): number | undefined {
  const dims = find(session.inputs, "pixel_values")?.dims;
  const h = dims?.[2];
  return typeof h === "number" && h > 0 && dims?.[3] === h ? h : undefined;
}

/** Sequence length a text graph fixes for `input_ids` (`[N, L]` with numeric L), if any. */
export function declaredTextLength(session: InferenceSession): number | undefined {
  const l = find(session.inputs, "input_ids")?.dims?.[1];
  return typeof l === "number" && l > 0 ? l : undefined;
}
