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
import { better, type FitScore } from "./metrics.js";
import { chooseProtocol, HeldOutTally, type SelectionOptions } from "./protocol.js";
import { classPrototypes } from "./prototypes.js";
import { product, runSteps, type Steps } from "./steps.js";
import { fineTuneKeysSteps, type TipFineTuneOptions } from "./tip-finetune.js";
import { zeroShotLogits, zeroShotWeights } from "./zeroshot-weights.js";

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
   * stays a key of the cache. Default {@link DEFAULT_TIP_LOO_QUERIES}; `Infinity` scores all of
   * them. The search costs queries × examples kernel evaluations, so at 1,000 classes × 16 shots
   * the default makes it 2,048 × 16,000 instead of 16,000². Data sets with at most this many
   * examples are searched exactly as before. The head's `adapter.looQueries` records the cap when
   * it was applied.
   */
  looQueries?: number;
}

/** Options of {@link trainTipAdapterF}. */
export interface TipAdapterFOptions extends TipAdapterOptions, TipFineTuneOptions {}

export const DEFAULT_TIP_ALPHA_GRID: readonly number[] = [0, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256];
export const DEFAULT_TIP_BETA_GRID: readonly number[] = [1, 2, 3, 5.5, 8, 12, 17, 25, 35, 50];
/** Default of {@link TipAdapterOptions.looQueries}. */
export const DEFAULT_TIP_LOO_QUERIES = 2048;
/** The paper's ImageNet values (Zhang et al. 2022, section 4.1), used when no held-out data exists. */
const DEFAULT_ALPHA = 1;
const DEFAULT_BETA = 5.5;

/** Query rows scored per block: bounds the `block × cache` similarity buffer. */
const BLOCK = 256;

interface Search {
  alpha: number;
  beta: number;
  heldOut?: FitScore;
}

/** Squarings kept per key: h, h², h⁴ … h^(2^(POWER_BITS−1)); 2β up to 2^POWER_BITS − 1 = 1023. */
const POWER_BITS = 10;

/**
 * exp(−β(1 − s)) = h^(2β) with h = exp((s − 1)/2). For every β with 2β a whole number below 2^10
 * (all of the default grid) the kernel is a product of repeated squares of h, so the whole β grid
 * costs one exp per (query, key) instead of one per β (the leave-one-out search's bottleneck after
 * the similarity GEMM). Other β values use exp directly. `bits[b]` lists the squares to multiply
 * (undefined: use exp); `table` is how many squares to compute (0 when no β needs them).
 */
export function betaPowers(betas: readonly number[]): { bits: (number[] | undefined)[]; table: number } {
  let table = 0;
  const bits = betas.map((beta) => {
    const twice = 2 * beta;
    if (!Number.isInteger(twice) || twice < 1 || twice >= 2 ** POWER_BITS) return undefined;
    const list: number[] = [];
    for (let t = 0; t < POWER_BITS; t++) if (twice & (1 << t)) list.push(t);
    table = Math.max(table, list[list.length - 1]! + 1);
    return list;
  });
  return { bits, table };
}

/**
 * Grid search of (α, β) for the cache logits s·cos + (α·s/100)·Σ exp(−β(1 − q·k))·onehot(label):
 * queries `held` against cache `cache`. With `leaveOut` the queries are rows of the cache and
 * query `i` skips key `leaveOut[i]`, its own (the cache then acts as a (K−1)-shot cache for it).
 */
export function* searchCacheHyper(
  zs: Float32Array,
  scale: number,
  cache: PreparedData,
  keys: Float32Array,
  held: PreparedData,
  alphas: readonly number[],
  betas: readonly number[],
  leaveOut?: Int32Array,
): Steps<Search> {
  const c = cache.classes.length;
  const d = cache.dim;
  const entries = cache.n;
  const tallies = betas.map(() => alphas.map(() => new HeldOutTally()));
  const s = new Float64Array(Math.min(BLOCK, held.n) * entries);
  const nb = betas.length;
  const na = alphas.length;
  // Affinities of one query row for every β at once: one exp per (row, key) — see betaPowers.
  const affinity = new Float64Array(nb * c);
  const powers = betaPowers(betas);
  const h = new Float64Array(POWER_BITS);
  const row = new Float64Array(c);
  const correct = new Float64Array(nb * na);
  const loss = new Float64Array(nb * na);
  for (let i0 = 0; i0 < held.n; i0 += BLOCK) {
    const r = Math.min(BLOCK, held.n - i0);
    const q = held.x.subarray(i0 * d, (i0 + r) * d);
    yield* product(q, keys, r, entries, d, s);
    const base = yield* zeroShotLogits(q, r, zs, c, d, scale);
    correct.fill(0);
    loss.fill(0);
    for (let i = 0; i < r; i++) {
      affinity.fill(0);
      const own = leaveOut ? leaveOut[i0 + i]! : -1;
      for (let e = 0; e < entries; e++) {
        if (e === own) continue;
        const sim = s[i * entries + e]!;
        const label = cache.y[e]!;
        if (powers.table > 0) {
          h[0] = Math.exp((sim - 1) / 2);
          for (let t = 1; t < powers.table; t++) h[t] = h[t - 1]! * h[t - 1]!;
        }
        for (let bi = 0; bi < nb; bi++) {
          const bits = powers.bits[bi];
          let v: number;
          if (bits) {
            v = 1;
            for (const t of bits) v *= h[t]!;
          } else v = Math.exp(-betas[bi]! * (1 - sim));
          affinity[bi * c + label]! += v;
        }
      }
      const y = held.y[i0 + i]!;
      for (let bi = 0; bi < nb; bi++) {
        for (let ai = 0; ai < na; ai++) {
          const w = (alphas[ai]! * scale) / 100;
          let max = Number.NEGATIVE_INFINITY;
          let arg = 0;
          for (let k = 0; k < c; k++) {
            row[k] = base[i * c + k]! + w * affinity[bi * c + k]!;
            if (row[k]! > max) {
              max = row[k]!;
              arg = k;
            }
          }
          let sum = 0;
          for (let k = 0; k < c; k++) sum += Math.exp(row[k]! - max);
          loss[bi * na + ai]! += max + Math.log(sum) - row[y]!;
          if (arg === y) correct[bi * na + ai]!++;
        }
      }
    }
    for (let bi = 0; bi < nb; bi++) {
      for (let ai = 0; ai < na; ai++) {
        const t = bi * na + ai;
        tallies[bi]![ai]!.add({ accuracy: correct[t]! / r, loss: loss[t]! / r }, r);
      }
    }
  }
  let best: Search = { alpha: alphas[0]!, beta: betas[0]! };
  betas.forEach((beta, bi) => {
    alphas.forEach((alpha, ai) => {
      const score = tallies[bi]![ai]!.score;
      if (better(score, best.heldOut)) best = { alpha, beta, heldOut: score };
    });
  });
  return best;
}

/** The leave-one-out queries: every row, or a stratified sample of `looQueries` rows. */
function looQueryRows(
  data: PreparedData,
  options: TipAdapterOptions,
): { held: PreparedData; leaveOut: Int32Array; capped: boolean } {
  const cap = options.looQueries ?? DEFAULT_TIP_LOO_QUERIES;
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
    weights: Float32Array.from(zs, (v) => v * scale),
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
