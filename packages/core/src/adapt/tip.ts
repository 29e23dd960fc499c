import { ClipkitError } from "../errors.js";
import type { ZeroShotHead } from "../zeroshot/head.js";
import {
  type LabelledEmbeddings,
  minShots,
  type PreparedData,
  prepareData,
  stratifiedSample,
  subset,
} from "./data.js";
import { AdaptedHead, type AdapterCache } from "./head.js";
import { chooseProtocol, type SelectionOptions } from "./protocol.js";
import { classPrototypes } from "./prototypes.js";
import { runSteps, type Steps } from "./steps.js";
import { fineTuneKeysSteps, type TipFineTuneOptions } from "./tip-finetune.js";
import { type Search, searchCacheHyper } from "./tip-search.js";
import { zeroShotWeights } from "./zeroshot-weights.js";

/** Options of {@link buildTipAdapter}. */
export interface TipAdapterOptions extends SelectionOptions {
  /** Fixed cache weight α in the paper's units (logits at scale 100); default: searched. */
  alpha?: number;
  /** Fixed sharpness β; default: searched. */
  beta?: number;
  /** Candidate α (default 0 … 256, 11 values; 0 is the zero-shot head; the paper searches 0–5 on ImageNet, but a weak zero-shot head needs a heavier cache). */
  alphaGrid?: readonly number[];
  /** Candidate β (default 1 … 50, 10 values; image–image cosines sit close together, so sharp kernels matter). */
  betaGrid?: readonly number[];
  /**
   * Leave-one-out search only: at most this many examples are scored as queries, a seeded sample
   * stratified by class (each class in proportion to its size; `seed` picks it); every example
   * stays a key of the cache. `Infinity` scores all of them. The search costs queries × examples
   * kernel evaluations (and a `queries × examples × dim` similarity product), so the default,
   * {@link defaultLooQueries}, bounds that work to {@link DEFAULT_TIP_LOO_PAIRS} pairs: every
   * example of sets up to 4,096, ⌊2²⁴ / examples⌋ queries above, never fewer than
   * {@link DEFAULT_TIP_LOO_QUERIES} (1,048 of 1,000 classes × 16 shots). The head's
   * `adapter.looQueries` records the cap when it was applied.
   */
  looQueries?: number;
}

/** Options of {@link trainTipAdapterF}. */
export interface TipAdapterFOptions extends TipAdapterOptions, TipFineTuneOptions {}

export const DEFAULT_TIP_ALPHA_GRID: readonly number[] = [0, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256];
export const DEFAULT_TIP_BETA_GRID: readonly number[] = [1, 2, 3, 5.5, 8, 12, 17, 25, 35, 50];
/** Query × key pairs the default leave-one-out search scores at most (above the query floor). */
export const DEFAULT_TIP_LOO_PAIRS = 2 ** 24;
/** The fewest queries the default leave-one-out search scores (≈ 1 per class at 1,000 classes). */
export const DEFAULT_TIP_LOO_QUERIES = 1024;

/**
 * Default of {@link TipAdapterOptions.looQueries} for `examples` cache entries:
 * max({@link DEFAULT_TIP_LOO_QUERIES}, ⌊{@link DEFAULT_TIP_LOO_PAIRS} / examples⌋) — all of
 * them up to 4,096 examples, 1,048 at 16,000, 1,024 from 16,384 on. Fewer queries only add
 * sampling noise to the leave-one-out scores: on the benchmark's 1,000-class data 1,048 and
 * 2,048 queries chose what all 16,000 did (docs/few-shot.md, "Training cost").
 */
export function defaultLooQueries(examples: number): number {
  return Math.max(DEFAULT_TIP_LOO_QUERIES, Math.floor(DEFAULT_TIP_LOO_PAIRS / Math.max(1, examples)));
}
/** The paper's ImageNet values (Zhang et al. 2022, section 4.1), used when no held-out data exists. */
const DEFAULT_ALPHA = 1;
const DEFAULT_BETA = 5.5;

export { betaPowers } from "./tip-search.js";

/** `v · scale` elementwise (a loop: `Float32Array.from` with a map callback is ~100× slower). */
function scaled(v: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * scale;
  return out;
}

/** The leave-one-out queries: every row, or a stratified sample of `looQueries` rows. */
function looQueryRows(
  data: PreparedData,
  options: TipAdapterOptions,
): { held: PreparedData; leaveOut: Int32Array; capped: boolean } {
  const cap = options.looQueries ?? defaultLooQueries(data.n);
  if (!(cap === Number.POSITIVE_INFINITY || (Number.isInteger(cap) && cap >= 1))) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `looQueries must be a positive integer or Infinity, got ${cap}`,
      {
        details: { argument: "looQueries" },
      },
    );
  }
  if (data.n <= cap)
    return { held: data, leaveOut: Int32Array.from({ length: data.n }, (_, i) => i), capped: false };
  const rows = stratifiedSample(data, cap, options.seed ?? 0);
  return { held: subset(data, rows), leaveOut: Int32Array.from(rows), capped: true };
}

/**
 * Tip-Adapter and Tip-Adapter-F with their products yielded (see `steps.ts`): `buildTipAdapter`
 * and `trainTipAdapterF` run it on the WebAssembly kernel, `trainHeadAsync` on a backend's GEMM.
 */
export function* tipSteps(
  zeroShot: ZeroShotHead,
  data: LabelledEmbeddings,
  options: TipAdapterFOptions,
  fineTune: boolean,
): Steps<AdaptedHead> {
  zeroShot.assertSpace(data.embeddings.space, fineTune ? "trainTipAdapterF" : "buildTipAdapter");
  const classes = options.classes ?? zeroShot.labels;
  const prepared = prepareData(data, classes, false);
  const c = classes.length;
  const scale = zeroShot.scoring.logitScale;
  const zs = zeroShotWeights(zeroShot, classes);
  const alphas =
    options.alpha !== undefined ? [options.alpha] : (options.alphaGrid ?? DEFAULT_TIP_ALPHA_GRID);
  const betas = options.beta !== undefined ? [options.beta] : (options.betaGrid ?? DEFAULT_TIP_BETA_GRID);
  const explicit = options.validation !== undefined;
  let chosen: Search = { alpha: options.alpha ?? DEFAULT_ALPHA, beta: options.beta ?? DEFAULT_BETA };
  let selection: AdaptedHead["adapter"]["selection"] = "default";
  let looQueries: number | undefined;
  const searching = alphas.length * betas.length > 1;
  if (options.validation !== undefined || options.valFraction !== undefined) {
    const protocol = chooseProtocol(prepared, options, false);
    const split = protocol.splits[0];
    if (split && searching) {
      chosen = yield* searchCacheHyper(zs, scale, split.train, split.train.x, split.held, alphas, betas);
      selection = "validation";
    }
  } else if (searching && minShots(prepared) >= 2) {
    const queries = looQueryRows(prepared, options);
    chosen = yield* searchCacheHyper(
      zs,
      scale,
      prepared,
      prepared.x,
      queries.held,
      alphas,
      betas,
      queries.leaveOut,
    );
    selection = "loo";
    if (queries.capped) looQueries = queries.held.n;
  }
  let keys = prepared.x;
  let epochs = 0;
  if (fineTune) {
    const tuned = yield* fineTuneKeysSteps(prepared, zs, scale, chosen.alpha, chosen.beta, options);
    keys = tuned.keys;
    epochs = tuned.epochs;
    // The paper searches α, β again after fine-tuning; only honest on data the keys never saw.
    if (explicit && searching) {
      const held = prepareData(options.validation!, classes, false, "validation");
      chosen = yield* searchCacheHyper(zs, scale, prepared, keys, held, alphas, betas);
    }
  }
  options.onProgress?.(1, 1);
  const cache: AdapterCache = {
    keys,
    labels: prepared.y,
    beta: chosen.beta,
    weight: (chosen.alpha * scale) / 100,
  };
  const { prototypes, minCosine } = classPrototypes(prepared);
  return new AdaptedHead({
    labels: classes,
    space: prepared.space,
    scoring: zeroShot.scoring,
    weights: scaled(zs, scale),
    bias: new Float32Array(c),
    prototypes,
    cache,
    promptsHash: zeroShot.promptsHash,
    adapter: {
      method: fineTune ? "tip-f" : "tip",
      multiLabel: false,
      shots: minShots(prepared),
      examples: prepared.n,
      seed: options.seed ?? 0,
      classBalanced: false,
      hyper: fineTune
        ? { alpha: chosen.alpha, beta: chosen.beta, epochs }
        : { alpha: chosen.alpha, beta: chosen.beta },
      selection,
      ...(looQueries !== undefined ? { looQueries } : {}),
      ...(chosen.heldOut ? { heldOut: chosen.heldOut } : {}),
      minCosine,
    },
  });
}

/**
 * Tip-Adapter (Zhang et al., ECCV 2022): a training-free cache model. The training embeddings are
 * the keys, their one-hot labels the values; an image's logits are the zero-shot logits plus
 * α·exp(−β(1 − cos)) affinities to every key, summed per class. (α, β) are searched on a grid —
 * on `validation`/`valFraction` data when given, else by leave-one-out over the cache (each shot
 * classified by the others); with one shot per class the paper's defaults α = 1, β = 5.5 are used.
 * α is in the paper's units (zero-shot logits at scale 100) and rescaled to the model's logit scale.
 */
export function buildTipAdapter(
  zeroShot: ZeroShotHead,
  data: LabelledEmbeddings,
  options: TipAdapterOptions = {},
): AdaptedHead {
  return runSteps(tipSteps(zeroShot, data, options, false));
}

/**
 * Tip-Adapter-F: Tip-Adapter with the cache keys fine-tuned by AdamW on the cross-entropy of the
 * training shots (the paper's recipe: lr 10⁻³, cosine schedule, batch 256, 20 epochs), starting
 * from the (α, β) Tip-Adapter selects. With an explicit `validation` set (α, β) are searched again
 * after fine-tuning, as in the paper. Deterministic for a given `seed` (batch order).
 */
export function trainTipAdapterF(
  zeroShot: ZeroShotHead,
  data: LabelledEmbeddings,
  options: TipAdapterFOptions = {},
): AdaptedHead {
  return runSteps(tipSteps(zeroShot, data, options, true));
}
