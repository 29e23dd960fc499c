import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PreparedData, prepareData } from "./data.js";
import { better, type FitScore } from "./metrics.js";
import { HeldOutTally } from "./protocol.js";
import { product, runSteps, type Steps } from "./steps.js";
import { centres, clusters, zeroShotFor } from "./test-data.js";
import { DEFAULT_TIP_ALPHA_GRID, DEFAULT_TIP_BETA_GRID } from "./tip.js";
import type { PruneStats } from "./tip-query.js";
import { betaPowers, searchCacheHyper } from "./tip-search.js";
import { zeroShotLogits, zeroShotWeights } from "./zeroshot-weights.js";

const BLOCK = 256;
const POWER_BITS = 10;

/** Leave-one-out search arguments over the default grids: every example a query skipping itself. */
function looArgs(zs: ReturnType<typeof zeroShotFor>, scale: number, train: PreparedData) {
  const leaveOut = Int32Array.from({ length: train.n }, (_, i) => i);
  return [
    zeroShotWeights(zs, zs.labels),
    scale,
    train,
    train.x,
    train,
    DEFAULT_TIP_ALPHA_GRID,
    DEFAULT_TIP_BETA_GRID,
    leaveOut,
  ] as const;
}

/**
 * The search as it was written before its loops were tuned (plain scatter of affinities over every
 * key, a softmax over every class per (query, β, α)): the reference the tuned one, which skips
 * classes that cannot change a score, must match bit for bit.
 */
function* referenceSearch(
  zs: Float32Array,
  scale: number,
  cache: PreparedData,
  keys: Float32Array,
  held: PreparedData,
  alphas: readonly number[],
  betas: readonly number[],
  leaveOut?: Int32Array,
): Steps<{ alpha: number; beta: number; heldOut?: FitScore }> {
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
          // log-sum-exp with the maximum's term exp(0) = 1 first, then the others in class order.
          let sum = 1;
          for (let k = 0; k < c; k++) if (k !== arg) sum += Math.exp(row[k]! - max);
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
  let best: { alpha: number; beta: number; heldOut?: FitScore } = { alpha: alphas[0]!, beta: betas[0]! };
  betas.forEach((beta, bi) => {
    alphas.forEach((alpha, ai) => {
      const score = tallies[bi]![ai]!.score;
      if (better(score, best.heldOut)) best = { alpha, beta, heldOut: score };
    });
  });
  return best;
}

describe("Tip-Adapter (α, β) search", () => {
  it("chooses what the plain formulation chooses, with bit-identical held-out scores (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 14 }),
        fc.integer({ min: 2, max: 6 }),
        fc.constantFrom(16, 18, 24),
        fc.double({ min: 0.05, max: 0.8, noNaN: true }),
        fc.constantFrom("loo", "validation"),
        fc.subarray([0, 0.5, 1, 4, 32, 256, 3.7, -2], { minLength: 1 }),
        fc.subarray([1, 5.5, 25, 50, 0.3, 7.25, 600], { minLength: 1 }),
        // Logit scales from flat to very peaked: the latter let most classes be skipped.
        fc.constantFrom(5, 50, 100, 1000),
        fc.integer(),
        (classes, shots, dim, sigma, mode, alphas, betas, scale, seed) => {
          const cs = centres(classes, dim, seed);
          const zs = zeroShotFor(cs, 0.8, seed + 1);
          const labels = zs.labels;
          const train = prepareData(clusters(cs, shots, sigma, seed + 2), labels, false);
          const w = zeroShotWeights(zs, labels);
          let held: PreparedData = train;
          let leaveOut: Int32Array | undefined = Int32Array.from({ length: train.n }, (_, i) => i);
          if (mode === "validation") {
            held = prepareData(clusters(cs, 3, sigma, seed + 3), labels, false);
            leaveOut = undefined;
          }
          const args = [w, scale, train, train.x, held, alphas, betas, leaveOut] as const;
          expect(runSteps(searchCacheHyper(...args))).toEqual(runSteps(referenceSearch(...args)));
        },
      ),
      { numRuns: 80 },
    );
  });

  it("matches on the default grids over more than one query block, shots in any order", () => {
    const cs = centres(40, 32, 5);
    const zs = zeroShotFor(cs, 1.2, 6);
    const data = clusters(cs, 8, 0.5, 7);
    // Shuffle the rows so keys of one class are not contiguous.
    const n = data.labels.length;
    const order = Array.from({ length: n }, (_, i) => (i * 37) % n);
    const x = new Float32Array(n * 32);
    order.forEach((r, i) => {
      x.set(data.embeddings.data.subarray(r * 32, (r + 1) * 32), i * 32);
    });
    const shuffled = {
      embeddings: { ...data.embeddings, data: x },
      labels: order.map((r) => data.labels[r]!),
    };
    const train = prepareData(shuffled, zs.labels, false);
    expect(train.n).toBeGreaterThan(BLOCK);
    const args = looArgs(zs, zs.scoring.logitScale, train);
    const chosen = runSteps(searchCacheHyper(...args));
    expect(chosen).toEqual(runSteps(referenceSearch(...args)));
    expect(chosen.heldOut).toBeDefined();
  });

  it("skips most classes of well-separated data and still matches bit for bit", () => {
    const cs = centres(60, 32, 11);
    const zs = zeroShotFor(cs, 0.3, 12);
    const train = prepareData(clusters(cs, 6, 0.2, 13), zs.labels, false);
    const args = looArgs(zs, 100, train);
    const stats: PruneStats = { exact: 0, skipped: 0 };
    const chosen = runSteps(searchCacheHyper(...args, stats));
    expect(chosen).toEqual(runSteps(referenceSearch(...args)));
    // Every (query, β) visits each class once: scored exactly or skipped.
    expect(stats.exact + stats.skipped).toBe(train.n * DEFAULT_TIP_BETA_GRID.length * 60);
    expect(stats.skipped).toBeGreaterThan(stats.exact);
  });
});
