import type { InferenceSession, Tensor } from "../backend/session.js";
import { tensor, toFloat32 } from "../backend/tensor.js";
import { ClipkitError } from "../errors.js";
import type { ModelConfig } from "./config.js";
import { float32ToFloat16 } from "./fp16.js";
import type { TokenBatch } from "./towers.js";
import type { Scoring } from "./types.js";

/** Where a model's {@link Scoring} came from. */
export type ScoringSource = "option" | "graph" | "config";

function normRow(data: Float32Array, r: number, dim: number): Float32Array {
  const v = data.slice(r * dim, (r + 1) * dim);
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < dim; i++) v[i]! *= inv;
  return v;
}

function cos(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Reads the trained logit scale (and SigLIP bias) out of a combined graph by running it: the graph
 * computes `logits = exp(logit_scale) · cos (+ logit_bias)`, so a least-squares fit of its logits
 * against the cosines of its own embeddings recovers the constants whatever the exporter named or
 * folded them into. Uses two synthetic images (zeros and a ramp) × the given token rows.
 */
export async function scoringFromGraph(
  session: InferenceSession,
  label: string,
  modelType: "clip" | "siglip",
  tokens: TokenBatch,
  imageSize: number,
): Promise<Scoring> {
  const names = ["logits_per_image", "text_embeds", "image_embeds"];
  for (const n of names) {
    if (!session.outputs.some((o) => o.name === n)) {
      throw new ClipkitError("MODEL_TENSOR_MISSING", `${label}: combined graph has no output "${n}"`, {
        details: { file: label, tensor: n, outputs: session.outputs.map((o) => o.name) },
      });
    }
  }
  const plane = imageSize * imageSize;
  const px = new Float32Array(2 * 3 * plane);
  for (let i = 0; i < 3 * plane; i++) px[3 * plane + i] = ((i % 97) / 48 - 1) * 1.5;
  const pixelType = session.inputs.find((i) => i.name === "pixel_values")?.type;
  const idsType = session.inputs.find((i) => i.name === "input_ids")?.type;
  const dims = [tokens.count, tokens.length];
  const asIds = (d: BigInt64Array): Tensor =>
    idsType === "int32" ? tensor("int32", Int32Array.from(d, Number), dims) : tensor("int64", d, dims);
  const feeds: Record<string, Tensor> = {
    input_ids: asIds(tokens.ids),
    pixel_values:
      pixelType === "float16"
        ? tensor("float16", float32ToFloat16(px), [2, 3, imageSize, imageSize])
        : tensor("float32", px, [2, 3, imageSize, imageSize]),
  };
  if (session.inputs.some((i) => i.name === "attention_mask")) feeds.attention_mask = asIds(tokens.mask);
  const out = await session.run(feeds, names);
  const logits = toFloat32(out.logits_per_image!);
  const text = out.text_embeds!;
  const image = out.image_embeds!;
  const dim = text.dims[1]!;
  const td = toFloat32(text);
  const id = toFloat32(image);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < 2; i++) {
    const iv = normRow(id, i, dim);
    for (let t = 0; t < tokens.count; t++) {
      xs.push(cos(iv, normRow(td, t, dim)));
      ys.push(logits[i * tokens.count + t]!);
    }
  }
  const n = xs.length;
  if (modelType === "clip") {
    // logits = s · cos, no intercept.
    let sxy = 0;
    let sxx = 0;
    for (let k = 0; k < n; k++) {
      sxy += xs[k]! * ys[k]!;
      sxx += xs[k]! * xs[k]!;
    }
    return checked({ kind: "softmax", logitScale: sxy / sxx }, label);
  }
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let k = 0; k < n; k++) {
    sxy += (xs[k]! - mx) * (ys[k]! - my);
    sxx += (xs[k]! - mx) ** 2;
  }
  const logitScale = sxy / sxx;
  return checked({ kind: "sigmoid", logitScale, logitBias: my - logitScale * mx }, label);
}

/**
 * Scoring from the constants {@link logitConstants} read out of a combined graph's structure
 * (`exp(logit_scale)` and SigLIP's bias), or `undefined` when they do not fit the model type (then
 * {@link scoringFromGraph} runs the graph instead).
 */
export function scoringFromConstants(
  modelType: "clip" | "siglip",
  constants: { scale: number; bias?: number } | undefined,
  label: string,
): Scoring | undefined {
  if (!constants || !(constants.scale > 0)) return undefined;
  if (modelType === "clip") {
    return constants.bias === undefined
      ? checked({ kind: "softmax", logitScale: constants.scale }, label)
      : undefined;
  }
  return constants.bias === undefined
    ? undefined
    : checked({ kind: "sigmoid", logitScale: constants.scale, logitBias: constants.bias }, label);
}

function checked(s: Scoring, label: string): Scoring {
  const values = s.kind === "sigmoid" ? [s.logitScale, s.logitBias] : [s.logitScale];
  if (!values.every(Number.isFinite) || s.logitScale <= 0) {
    throw new ClipkitError("MODEL_CONFIG_INVALID", `${label}: could not read a logit scale from the graph`, {
      details: { file: label, scoring: s },
    });
  }
  return s;
}

/**
 * Fallback when the folder has no combined graph. A trained `logit_scale` (and `logit_bias`)
 * recorded in `config.json` wins. Otherwise OpenAI/open_clip CLIP models train their scale to the
 * clamp at 100, so that is used rather than `logit_scale_init_value` (the untrained start, e.g.
 * exp(2.6592) ≈ 14.3). SigLIP has no common trained value, so its init values (scale 10, bias −10)
 * are used and callers should pass `scoring` explicitly.
 */
export function defaultScoring(config: ModelConfig): Scoring {
  const trained = config.logitScale === undefined ? undefined : Math.exp(config.logitScale);
  if (config.modelType === "siglip") {
    return { kind: "sigmoid", logitScale: trained ?? 10, logitBias: config.logitBias ?? -10 };
  }
  return { kind: "softmax", logitScale: trained ?? 100 };
}
