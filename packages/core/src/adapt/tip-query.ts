/**
 * One query row of Tip-Adapter's (α, β) search (see `tip-search.ts`): its cache affinities for
 * every β and its softmax cross-entropy for every (α, β), with classes that provably cannot change
 * a score skipped. The skipping is exact — every score is bit-identical to the plain formulation
 * kept in `tip-search.test.ts` — because a class whose logit sits more than {@link PRUNE} below the
 * row's maximum adds under half an ulp to a log-sum-exp started at the maximum's exp(0) = 1.
 */
import { flatPowers, POWER_BITS } from "./tip-powers.js";

/** Below this, exp(d) < 2⁻⁵³ (e^−37.5 ≈ 5.2·10⁻¹⁷): added to a sum ≥ 1 it rounds away exactly. */
const ABSORBED = -37.5;

/**
 * A class whose logit is bounded at least this far below another class's logit is skipped. The
 * bound is rigorous up to {@link SLACK} and rounding; the gap to the absorption threshold
 * (−36.74 = ln 2⁻⁵³) leaves 0.76 logits for both.
 */
const PRUNE = 37.5;

/** Relative inflation of the affinity upper bounds: covers exp's and the sums' rounding. */
const SLACK = 1 + 1e-6;

/** Breakpoints checked per β: the two ends of the weight range and the anchors' 3 crossings. */
const MAX_POINTS = 5;

/** Counts of the work a {@link QueryScorer} did: classes scored exactly vs skipped, per (query, β). */
export interface PruneStats {
  exact: number;
  skipped: number;
}

/** The score of one (query, α, β): cross-entropy and whether the argmax is the label. */
interface Fit {
  loss: number;
  hit: boolean;
}

/**
 * Scores query rows against a fixed cache (`labels[e]` = class of key `e`) for fixed grids:
 * `weights[a]` = α·s/100 (the cache weight in logit units), `betas`. Buffers are allocated once.
 */
export class QueryScorer {
  private readonly c: number;
  private readonly nb: number;
  /** Keys grouped by class: `members[start[k] … start[k + 1])`, ascending within a class. */
  private readonly start: Int32Array;
  private readonly members: Int32Array;
  private readonly betas: Float64Array;
  private readonly weights: Float64Array;
  /** {@link betaPowers} flattened: β `b` multiplies `h[flat[from[b] … to[b])]`; `from[b]` < 0: exp. */
  private readonly flat: Int32Array;
  private readonly from: Int32Array;
  private readonly to: Int32Array;
  private readonly table: number;
  /** Skipping needs every cache weight ≥ 0 (then each logit rises with its affinities). */
  private readonly prunable: boolean;
  private readonly lo: number;
  private readonly hi: number;
  /** `affinity[β·c + class]` of the current query (valid where `exact[class]` = its stamp). */
  readonly affinity: Float64Array;
  private readonly exact: Int32Array;
  private readonly needed: Int32Array;
  private stamp = 0;
  private readonly smax: Float64Array;
  private readonly keySims: Float64Array;
  private readonly count: Int32Array;
  /** `powers[t·c + k]`: h^(2^t) of class k's nearest key (see {@link bound}). */
  private readonly powers: Float64Array;
  /** h^(2^t) of each key of one class at `t · (most keys in a class) + key` (see {@link affinities}). */
  private readonly keyPowers: Float64Array;
  private readonly cand: Int32Array;
  private readonly candCount: Int32Array;
  private readonly all: Int32Array;
  private readonly points: Float64Array;
  private readonly envelope: Float64Array;
  private readonly pointCount: Int32Array;
  private readonly row: Float64Array;
  private readonly fit: Fit = { loss: 0, hit: false };
  private readonly anchors = new Int32Array(3);

  constructor(
    labels: Int32Array,
    c: number,
    betas: readonly number[],
    weights: readonly number[],
    readonly stats?: PruneStats,
  ) {
    this.c = c;
    this.nb = betas.length;
    const count = new Int32Array(c + 1);
    for (const l of labels) count[l + 1]!++;
    for (let k = 0; k < c; k++) count[k + 1]! += count[k]!;
    this.start = Int32Array.from(count);
    this.members = new Int32Array(labels.length);
    labels.forEach((l, e) => {
      this.members[count[l]!++] = e;
    });
    this.betas = Float64Array.from(betas);
    this.weights = Float64Array.from(weights);
    ({ flat: this.flat, from: this.from, to: this.to, table: this.table } = flatPowers(betas));
    const positive = weights.filter((w) => w > 0);
    this.prunable = weights.every((w) => w >= 0 && Number.isFinite(w)) && positive.length > 0;
    this.lo = Math.min(...positive);
    this.hi = Math.max(...positive);
    this.affinity = new Float64Array(this.nb * c);
    this.exact = new Int32Array(c);
    this.needed = new Int32Array(c);
    this.smax = new Float64Array(c);
    this.count = new Int32Array(c);
    this.cand = new Int32Array(this.nb * c);
    this.candCount = new Int32Array(this.nb);
    this.all = Int32Array.from({ length: c }, (_, k) => k);
    this.points = new Float64Array(this.nb * MAX_POINTS);
    this.envelope = new Float64Array(this.nb * MAX_POINTS);
    this.pointCount = new Int32Array(this.nb);
    this.row = new Float64Array(c);
    this.powers = new Float64Array(POWER_BITS * c);
    let most = 0;
    for (let k = 0; k < c; k++) most = Math.max(most, this.start[k + 1]! - this.start[k]!);
    this.keyPowers = new Float64Array(Math.max(1, POWER_BITS * most));
    this.keySims = new Float64Array(Math.max(1, most));
  }

  /**
   * Scores one query: `sims[so + e]` its similarity to key `e`, `own` the key it must skip (−1:
   * none), `base[bo + k]` its zero-shot logits, `y` its label. Adds each (α, β)'s cross-entropy
   * to `loss[β·na + α]` and its hit to `correct[β·na + α]`.
   */
  score(
    sims: Float32Array | Float64Array,
    so: number,
    own: number,
    base: Float64Array,
    bo: number,
    y: number,
    loss: Float64Array,
    correct: Float64Array,
  ): void {
    const { c, nb, weights } = this;
    const na = weights.length;
    this.stamp++;
    if (this.prunable) this.bound(sims, so, own, base, bo, y);
    else {
      for (let k = 0; k < c; k++) this.affinities(sims, so, own, k);
      for (let bi = 0; bi < nb; bi++) {
        this.cand.set(this.all, bi * c);
        this.candCount[bi] = c;
      }
    }
    const fit = this.fit;
    for (let ai = 0; ai < na; ai++) {
      const w = weights[ai]!;
      for (let bi = 0; bi < nb; bi++) {
        // w = 0: base + 0·A is base exactly for every β, so the first β's score is every β's.
        if (w === 0 && bi === 0) this.softmax(base, bo, 0, w, this.all, 0, c, y);
        else if (w !== 0) this.softmax(base, bo, bi * c, w, this.cand, bi * c, this.candCount[bi]!, y);
        const t = bi * na + ai;
        loss[t]! += fit.loss;
        if (fit.hit) correct[t]!++;
      }
    }
  }

  /**
   * Finds, per β, the classes whose logit can come within {@link PRUNE} of the maximum for some
   * cache weight in [lo, hi] and computes their affinities. Each class's affinity is at most
   * (its keys) · exp(−β(1 − its nearest key's similarity)); the maximum logit is at least that of
   * three anchor classes computed exactly (the label, the zero-shot argmax, the nearest key's
   * class). Logits are linear in the weight, so comparing the bound to the anchors' upper
   * envelope at its breakpoints and at lo and hi covers every weight in between.
   */
  private bound(
    sims: Float32Array | Float64Array,
    so: number,
    own: number,
    base: Float64Array,
    bo: number,
    y: number,
  ): void {
    const { c, nb, start, members, smax, count, table, flat, from, to, betas, stamp } = this;
    let top = 0;
    let near = -1;
    for (let k = 0; k < c; k++) {
      let m = Number.NEGATIVE_INFINITY;
      let n = 0;
      const p1 = start[k + 1]!;
      for (let p = start[k]!; p < p1; p++) {
        const e = members[p]!;
        if (e === own) continue;
        n++;
        const v = sims[so + e]!;
        if (v > m) m = v;
      }
      smax[k] = m;
      count[k] = n;
      if (base[bo + k]! > base[bo + top]!) top = k;
      if (n > 0 && (near < 0 || m > smax[near]!)) near = k;
    }
    const anchors = this.anchors;
    anchors[0] = y;
    anchors[1] = top;
    anchors[2] = near < 0 ? y : near;
    for (const a of anchors) this.affinities(sims, so, own, a);
    for (let bi = 0; bi < nb; bi++) this.envelopeOf(base, bo, bi);
    const { cand, candCount, points, envelope, pointCount, needed, exact, stats, powers } = this;
    // h^(2^t) of each class's nearest key, t < table: the β grid's bounds by squarings, as in
    // affinities (0 for a class with no key).
    for (let k = 0; k < c; k++) {
      let p = count[k]! > 0 && table > 0 ? Math.exp((smax[k]! - 1) / 2) : 0;
      for (let t = 0; t < table; t++) {
        powers[t * c + k] = p;
        p *= p;
      }
    }
    for (let bi = 0; bi < nb; bi++) {
      const q = bi * MAX_POINTS;
      const np = pointCount[bi]!;
      const w0 = points[q]!;
      const w1 = points[q + 1]!;
      const e0 = envelope[q]! - PRUNE;
      const e1 = envelope[q + 1]! - PRUNE;
      const j0 = from[bi]!;
      const j1 = to[bi]!;
      const beta = betas[bi]!;
      const o = bi * c;
      let n = 0;
      for (let k = 0; k < c; k++) {
        let keep = exact[k] === stamp;
        if (!keep) {
          let u = 0;
          const nk = count[k]!;
          if (nk > 0) {
            let v = 1;
            if (j0 >= 0) for (let j = j0; j < j1; j++) v *= powers[flat[j]! * c + k]!;
            else v = Math.exp(-beta * (1 - smax[k]!));
            u = nk * v * SLACK;
          }
          const b = base[bo + k]!;
          keep = b + w0 * u >= e0 || b + w1 * u >= e1;
          for (let j = 2; j < np && !keep; j++) keep = b + points[q + j]! * u >= envelope[q + j]! - PRUNE;
        }
        if (keep) {
          cand[o + n++] = k;
          needed[k] = stamp;
        }
      }
      candCount[bi] = n;
    }
    for (let k = 0; k < c; k++) {
      if (needed[k] === stamp && exact[k] !== stamp) this.affinities(sims, so, own, k);
    }
    if (stats) {
      for (let bi = 0; bi < nb; bi++) {
        stats.exact += candCount[bi]!;
        stats.skipped += c - candCount[bi]!;
      }
    }
  }

  /** The anchors' upper envelope at lo, hi and every anchor crossing in between, for β `bi`. */
  private envelopeOf(base: Float64Array, bo: number, bi: number): void {
    const { c, lo, hi, anchors, affinity, points, envelope, pointCount } = this;
    const q = bi * MAX_POINTS;
    let np = 0;
    points[q + np++] = lo;
    points[q + np++] = hi;
    for (let i = 0; i < 3; i++) {
      for (let j = i + 1; j < 3; j++) {
        const a = anchors[i]!;
        const b = anchors[j]!;
        const slope = affinity[bi * c + a]! - affinity[bi * c + b]!;
        if (slope === 0) continue;
        const w = (base[bo + b]! - base[bo + a]!) / slope;
        if (w > lo && w < hi) points[q + np++] = w;
      }
    }
    for (let j = 0; j < np; j++) {
      const w = points[q + j]!;
      let e = Number.NEGATIVE_INFINITY;
      for (const a of anchors) e = Math.max(e, base[bo + a]! + w * affinity[bi * c + a]!);
      envelope[q + j] = e;
    }
    pointCount[bi] = np;
  }

  /**
   * Class `k`'s affinity Σ exp(−β(1 − q·key)) for every β, its keys in index order (the plain
   * formulation's order, so the sums are bit-identical), into `affinity[β·c + k]`.
   */
  private affinities(sims: Float32Array | Float64Array, so: number, own: number, k: number): void {
    const { c, nb, start, members, table, flat, from, to, betas, affinity, keyPowers, keySims } = this;
    if (this.exact[k] === this.stamp) return;
    this.exact[k] = this.stamp;
    // The class's keys (own skipped) and their squares h^(2^t), then one sum per β in key order.
    let n = 0;
    const p1 = start[k + 1]!;
    for (let p = start[k]!; p < p1; p++) {
      const e = members[p]!;
      if (e !== own) keySims[n++] = sims[so + e]!;
    }
    const stride = keySims.length;
    if (table > 0) {
      for (let j = 0; j < n; j++) {
        let v = Math.exp((keySims[j]! - 1) / 2);
        keyPowers[j] = v;
        for (let t = 1; t < table; t++) {
          v *= v;
          keyPowers[t * stride + j] = v;
        }
      }
    }
    for (let bi = 0; bi < nb; bi++) {
      const j0 = from[bi]!;
      const j1 = to[bi]!;
      let acc = 0;
      if (j0 >= 0) {
        for (let j = 0; j < n; j++) {
          // The same products in the same order as `v = 1; for (t of bits) v *= h[t]`.
          let v = 1;
          for (let f = j0; f < j1; f++) v *= keyPowers[flat[f]! * stride + j]!;
          acc += v;
        }
      } else {
        const beta = betas[bi]!;
        for (let j = 0; j < n; j++) acc += Math.exp(-beta * (1 - keySims[j]!));
      }
      affinity[bi * c + k] = acc;
    }
  }

  /**
   * Scores the logits `base[bo + k] + w · affinity[a + k]` of the classes `list[l0 … l0 + n)`
   * (ascending; every class the maximum or the sum could need) against label `y`: cross-entropy
   * max + log(1 + Σ_{k ≠ argmax} exp(logit_k − max)) − logit_y, the sum in class order.
   */
  private softmax(
    base: Float64Array,
    bo: number,
    a: number,
    w: number,
    list: Int32Array,
    l0: number,
    n: number,
    y: number,
  ): void {
    const { affinity, row, fit } = this;
    // As the plain formulation: the first class until one beats −∞ (so NaN logits score alike).
    let max = Number.NEGATIVE_INFINITY;
    let arg = list[l0]!;
    let at = 0;
    for (let j = 0; j < n; j++) {
      const k = list[l0 + j]!;
      const v = base[bo + k]! + w * affinity[a + k]!;
      row[j] = v;
      if (v > max) {
        max = v;
        arg = k;
        at = j;
      }
    }
    let sum = 1;
    for (let j = 0; j < n; j++) {
      if (j === at) continue;
      const d = row[j]! - max;
      if (d >= ABSORBED) sum += Math.exp(d);
    }
    fit.loss = max + Math.log(sum) - (base[bo + y]! + w * affinity[a + y]!);
    fit.hit = arg === y;
  }
}
