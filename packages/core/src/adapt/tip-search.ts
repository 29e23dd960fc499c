import type { PreparedData } from "./data.js";
import type { FitScore } from "./metrics.js";
import { better } from "./metrics.js";
import { HeldOutTally } from "./protocol.js";
import { product, productBuffer, type Steps } from "./steps.js";
import { zeroShotLogits } from "./zeroshot-weights.js";

/**
 * Tip-Adapter's (α, β) grid search. Its cost at 1,000 classes × 16 shots is one `queries × keys`
 * similarity GEMM, one exp per (query, key) and a softmax over the classes per (query, α, β); the
 * loops below do that work with no allocation per query and in the same floating-point order as
 * the plain formulation (the test keeps that formulation and compares bit for bit), so the chosen
 * hyper-parameters and held-out scores do not depend on these optimisations.
 */

/** Query rows scored per block: bounds the `block × cache` similarity buffer. */
const BLOCK = 256;

/** Squarings kept per key: h, h², h⁴ … h^(2^(POWER_BITS−1)); 2β up to 2^POWER_BITS − 1 = 1023. */
const POWER_BITS = 10;

/** Below this, `Math.exp` returns exactly 0 (the float64 underflow threshold is −745.13). */
const EXP_UNDERFLOW = -746;

/** Below this, exp(d) < 2⁻⁵³ (e^−37.5 ≈ 5.2·10⁻¹⁷): added to a sum ≥ 1 it rounds away exactly. */
const ABSORBED = -37.5;

export interface Search {
  alpha: number;
  beta: number;
  heldOut?: FitScore;
}

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
 * Adds every key's affinity exp(−β(1 − q·k)) to its class, for each β: `affinity[β·c + class]`
 * (zeroed here), keys in index order — `sims[offset …]` is the query's row of similarities, `skip`
 * its own key (−1: none). β `b` multiplies the squares `flat[from[b] … to[b])` of h (see
 * {@link betaPowers}) or, when `from[b]` is negative, calls exp.
 */
function addAffinities(
  sims: Float32Array | Float64Array,
  offset: number,
  entries: number,
  labels: Int32Array,
  skip: number,
  betas: readonly number[],
  powers: { flat: Int32Array; from: Int32Array; to: Int32Array; table: number },
  h: Float64Array,
  affinity: Float64Array,
  c: number,
): void {
  const { flat, from, to, table } = powers;
  const nb = betas.length;
  affinity.fill(0);
  for (let e = 0; e < entries; e++) {
    if (e === skip) continue;
    const sim = sims[offset + e]!;
    const label = labels[e]!;
    if (table > 0) {
      let p = Math.exp((sim - 1) / 2);
      h[0] = p;
      for (let t = 1; t < table; t++) {
        p *= p;
        h[t] = p;
      }
    }
    for (let bi = 0; bi < nb; bi++) {
      const j0 = from[bi]!;
      let v: number;
      if (j0 >= 0) {
        // The same products in the same order as `v = 1; for (t of bits) v *= h[t]`.
        v = 1;
        const j1 = to[bi]!;
        for (let j = j0; j < j1; j++) v *= h[flat[j]!]!;
      } else v = Math.exp(-betas[bi]! * (1 - sim));
      affinity[bi * c + label]! += v;
    }
  }
}

/** {@link betaPowers} as flat typed arrays for {@link addAffinities}. */
function flatPowers(betas: readonly number[]) {
  const { bits, table } = betaPowers(betas);
  const from = new Int32Array(betas.length).fill(-1);
  const to = new Int32Array(betas.length);
  const list: number[] = [];
  bits.forEach((b, bi) => {
    if (!b) return;
    from[bi] = list.length;
    list.push(...b);
    to[bi] = list.length;
  });
  return { flat: Int32Array.from(list), from, to, table };
}

/** The score of one (query, α, β): cross-entropy and whether the argmax is the label. */
interface Fit {
  loss: number;
  hit: boolean;
}

/**
 * Scores the logits `base[o + k] + w · aff[a + k]`, k < c, against label `y` into `fit`, in the
 * plain formulation's order (max, then Σ exp(row − max) over k); terms that provably leave the sum
 * unchanged (exactly 0, or under half an ulp once the sum is ≥ 1) are skipped. `row` is scratch.
 */
function softmaxLoss(
  base: Float64Array,
  o: number,
  aff: Float64Array,
  a: number,
  w: number,
  c: number,
  y: number,
  row: Float64Array,
  fit: Fit,
): void {
  let max = Number.NEGATIVE_INFINITY;
  let arg = 0;
  for (let k = 0; k < c; k++) {
    const v = base[o + k]! + w * aff[a + k]!;
    row[k] = v;
    if (v > max) {
      max = v;
      arg = k;
    }
  }
  let sum = 0;
  for (let k = 0; k < arg; k++) {
    const d = row[k]! - max;
    if (d >= EXP_UNDERFLOW) sum += Math.exp(d);
  }
  // The argmax adds exp(0) = 1, so from here on sum ≥ 1 and a term under half an ulp of 1
  // (2⁻⁵³, e^−36.7) leaves it unchanged: skipping it is exact, and most classes are that far down.
  sum += 1;
  for (let k = arg + 1; k < c; k++) {
    const d = row[k]! - max;
    if (d >= ABSORBED) sum += Math.exp(d);
  }
  fit.loss = max + Math.log(sum) - row[y]!;
  fit.hit = arg === y;
}

/**
 * Grid search of (α, β) for the cache logits s·cos + (α·s/100)·Σ exp(−β(1 − q·k))·onehot(label):
 * queries `held` against cache `cache`. With `leaveOut` the queries are rows of the cache and
 * query `i` skips key `leaveOut[i]`, its own (the cache then acts as a (K−1)-shot cache for it).
 * α = 0 is the zero-shot head whatever β, so it is scored once per query and shared by every β.
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
  const labels = Int32Array.from(cache.y);
  const nb = betas.length;
  const na = alphas.length;
  const s = productBuffer(Math.min(BLOCK, held.n) * entries, d);
  // Affinities of one query row for every β at once: one exp per (row, key) — see betaPowers.
  const affinity = new Float64Array(nb * c);
  const powers = flatPowers(betas);
  const h = new Float64Array(POWER_BITS);
  const row = new Float64Array(c);
  const weights = alphas.map((alpha) => (alpha * scale) / 100);
  const correct = new Float64Array(nb * na);
  const loss = new Float64Array(nb * na);
  const tallies = betas.map(() => alphas.map(() => new HeldOutTally()));
  const fit: Fit = { loss: 0, hit: false };
  for (let i0 = 0; i0 < held.n; i0 += BLOCK) {
    const r = Math.min(BLOCK, held.n - i0);
    const q = held.x.subarray(i0 * d, (i0 + r) * d);
    yield* product(q, keys, r, entries, d, s);
    const base = yield* zeroShotLogits(q, r, zs, c, d, scale);
    correct.fill(0);
    loss.fill(0);
    for (let i = 0; i < r; i++) {
      const own = leaveOut ? leaveOut[i0 + i]! : -1;
      addAffinities(s, i * entries, entries, labels, own, betas, powers, h, affinity, c);
      const y = held.y[i0 + i]!;
      for (let ai = 0; ai < na; ai++) {
        const w = weights[ai]!;
        for (let bi = 0; bi < nb; bi++) {
          // w = 0: base + 0·A is base exactly for every β, so the first β's score is every β's.
          if (w !== 0 || bi === 0) softmaxLoss(base, i * c, affinity, bi * c, w, c, y, row, fit);
          const t = bi * na + ai;
          loss[t]! += fit.loss;
          if (fit.hit) correct[t]!++;
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
