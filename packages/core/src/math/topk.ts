import { ClipkitError } from "../errors.js";

/** One ranked entry: position in the scored array and its score. */
export interface ScoredIndex {
  index: number;
  score: number;
}

/** True when `a` ranks strictly after `b`: lower score, or equal score and higher index. */
function ranksAfter(aScore: number, aIndex: number, bScore: number, bIndex: number): boolean {
  return aScore < bScore || (aScore === bScore && aIndex > bIndex);
}

/**
 * A bounded min-heap of the best `k` (score, index) pairs seen so far. The root is the worst kept
 * entry, so each new candidate costs one comparison when it does not qualify.
 * Ties rank by lower index first, which makes results deterministic.
 */
export class TopKHeap {
  readonly k: number;
  private readonly scores: Float64Array;
  private readonly indices: Int32Array;
  private n = 0;

  constructor(k: number) {
    if (!Number.isInteger(k) || k < 0) {
      throw new ClipkitError("INVALID_ARGUMENT", `k must be a non-negative integer, got ${k}`, {
        details: { argument: "k" },
      });
    }
    this.k = k;
    this.scores = new Float64Array(k);
    this.indices = new Int32Array(k);
  }

  get size(): number {
    return this.n;
  }

  /** The score a candidate must beat to enter a full heap (−∞ while not full). */
  get threshold(): number {
    return this.n < this.k ? Number.NEGATIVE_INFINITY : this.scores[0]!;
  }

  push(score: number, index: number): void {
    if (this.k === 0 || Number.isNaN(score)) return;
    if (this.n < this.k) {
      let i = this.n++;
      // sift up
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!ranksAfter(score, index, this.scores[p]!, this.indices[p]!)) break;
        this.scores[i] = this.scores[p]!;
        this.indices[i] = this.indices[p]!;
        i = p;
      }
      this.scores[i] = score;
      this.indices[i] = index;
      return;
    }
    if (!ranksAfter(this.scores[0]!, this.indices[0]!, score, index)) return;
    // replace root, sift down
    let i = 0;
    const n = this.n;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && ranksAfter(this.scores[r]!, this.indices[r]!, this.scores[l]!, this.indices[l]!)) c = r;
      if (!ranksAfter(this.scores[c]!, this.indices[c]!, score, index)) break;
      this.scores[i] = this.scores[c]!;
      this.indices[i] = this.indices[c]!;
      i = c;
    }
    this.scores[i] = score;
    this.indices[i] = index;
  }

  /** The kept entries, best first. Does not clear the heap. */
  sorted(): ScoredIndex[] {
    const out: ScoredIndex[] = [];
    for (let i = 0; i < this.n; i++) out.push({ index: this.indices[i]!, score: this.scores[i]! });
    out.sort((a, b) => b.score - a.score || a.index - b.index);
    return out;
  }
}

/**
 * The `k` largest scores with their indices, best first; equal scores keep index order.
 * NaN scores are skipped. `k` larger than the input returns everything.
 */
export function topK(scores: ArrayLike<number>, k: number): ScoredIndex[] {
  if (!Number.isInteger(k) || k < 0) {
    throw new ClipkitError("INVALID_ARGUMENT", `k must be a non-negative integer, got ${k}`, {
      details: { argument: "k" },
    });
  }
  const heap = new TopKHeap(Math.min(k, scores.length));
  for (let i = 0; i < scores.length; i++) heap.push(scores[i]!, i);
  return heap.sorted();
}
