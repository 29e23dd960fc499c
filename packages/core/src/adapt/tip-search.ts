import type { PreparedData } from "./data.js";
import type { FitScore } from "./metrics.js";
import { better } from "./metrics.js";
import { HeldOutTally } from "./protocol.js";
import { product, productBuffer, type Steps } from "./steps.js";
import { type PruneStats, QueryScorer } from "./tip-query.js";
import { zeroShotLogits } from "./zeroshot-weights.js";

/**
 * Tip-Adapter's (α, β) grid search. Its cost at 1,000 classes × 16 shots is one `queries × keys`
 * similarity GEMM, then per query the affinities and a softmax over the classes per (α, β). The
 * per-query work (`tip-query.ts`) bounds every class's logit first and computes affinities and
 * softmax terms only for the classes that can change a score, with no allocation per query and in
 * the plain formulation's floating-point order (the test keeps that formulation and compares bit
 * for bit), so the chosen hyper-parameters and held-out scores do not depend on these shortcuts.
 */

/** Query rows scored per block: bounds the `block × cache` similarity buffer. */
const BLOCK = 256;

export { betaPowers } from "./tip-powers.js";

export interface Search {
  alpha: number;
  beta: number;
  heldOut?: FitScore;
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
  stats?: PruneStats,
): Steps<Search> {
  const c = cache.classes.length;
  const d = cache.dim;
  const entries = cache.n;
  const nb = betas.length;
  const na = alphas.length;
  const s = productBuffer(Math.min(BLOCK, held.n) * entries, d);
  const weights = alphas.map((alpha) => (alpha * scale) / 100);
  const scorer = new QueryScorer(Int32Array.from(cache.y), c, betas, weights, stats);
  const correct = new Float64Array(nb * na);
  const loss = new Float64Array(nb * na);
  const tallies = betas.map(() => alphas.map(() => new HeldOutTally()));
  for (let i0 = 0; i0 < held.n; i0 += BLOCK) {
    const r = Math.min(BLOCK, held.n - i0);
    const q = held.x.subarray(i0 * d, (i0 + r) * d);
    yield* product(q, keys, r, entries, d, s);
    const base = yield* zeroShotLogits(q, r, zs, c, d, scale);
    correct.fill(0);
    loss.fill(0);
    for (let i = 0; i < r; i++) {
      const own = leaveOut ? leaveOut[i0 + i]! : -1;
      scorer.score(s, i * entries, own, base, i * c, held.y[i0 + i]!, loss, correct);
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
