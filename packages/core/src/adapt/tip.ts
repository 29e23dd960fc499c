import type { ZeroShotHead } from "../zeroshot/head.js";
import { type LabelledEmbeddings, minShots, type PreparedData, prepareData } from "./data.js";
import { matmulABt } from "./gemm.js";
import { AdaptedHead, type AdapterCache } from "./head.js";
import { better, type FitScore } from "./metrics.js";
import { chooseProtocol, HeldOutTally, type SelectionOptions } from "./protocol.js";
import { classPrototypes } from "./prototypes.js";
import { fineTuneKeys, type TipFineTuneOptions } from "./tip-finetune.js";
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
}

/** Options of {@link trainTipAdapterF}. */
export interface TipAdapterFOptions extends TipAdapterOptions, TipFineTuneOptions {}

export const DEFAULT_TIP_ALPHA_GRID: readonly number[] = [0, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256];
export const DEFAULT_TIP_BETA_GRID: readonly number[] = [1, 2, 3, 5.5, 8, 12, 17, 25, 35, 50];
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
 * queries `held` against cache `cache`. With `leaveOneOut` the queries are the cache itself and
 * each query's own key is left out (the cache then acts as a (K−1)-shot cache for it).
 */
export function searchCacheHyper(
  zs: Float32Array,
  scale: number,
  cache: PreparedData,
  keys: Float32Array,
  held: PreparedData,
  alphas: readonly number[],
  betas: readonly number[],
  leaveOneOut: boolean,
): Search {
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
    matmulABt(q, keys, r, entries, d, s);
    const base = zeroShotLogits(q, r, zs, c, d, scale);
    correct.fill(0);
    loss.fill(0);
    for (let i = 0; i < r; i++) {
      affinity.fill(0);
      for (let e = 0; e < entries; e++) {
        if (leaveOneOut && e === i0 + i) continue;
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

function tipHead(
  zeroShot: ZeroShotHead,
  data: LabelledEmbeddings,
  options: TipAdapterFOptions,
  fineTune: boolean,
): AdaptedHead {
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
  const searching = alphas.length * betas.length > 1;
  if (options.validation !== undefined || options.valFraction !== undefined) {
    const protocol = chooseProtocol(prepared, options, false);
    const split = protocol.splits[0];
    if (split && searching) {
      chosen = searchCacheHyper(zs, scale, split.train, split.train.x, split.held, alphas, betas, false);
      selection = "validation";
    }
  } else if (searching && minShots(prepared) >= 2) {
    chosen = searchCacheHyper(zs, scale, prepared, prepared.x, prepared, alphas, betas, true);
    selection = "loo";
  }
  let keys = prepared.x;
  let epochs = 0;
  if (fineTune) {
    const tuned = fineTuneKeys(prepared, zs, scale, chosen.alpha, chosen.beta, options);
    keys = tuned.keys;
    epochs = tuned.epochs;
    // The paper searches α, β again after fine-tuning; only honest on data the keys never saw.
    if (explicit && searching) {
      const held = prepareData(options.validation!, classes, false, "validation");
      chosen = searchCacheHyper(zs, scale, prepared, keys, held, alphas, betas, false);
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
  return tipHead(zeroShot, data, options, false);
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
  return tipHead(zeroShot, data, options, true);
}
