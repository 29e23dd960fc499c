import type { PreparedData } from "./data.js";

/** How well a set of logits fits labelled rows. */
export interface FitScore {
  /** Single-label: top-1 accuracy. Multi-label: micro-averaged F1 of σ(logit) ≥ 0.5. In [0, 1]. */
  readonly accuracy: number;
  /** Mean cross-entropy (softmax) or mean per-class binary cross-entropy (sigmoid), in nats. */
  readonly loss: number;
}

/** Scores `n × classes` logits against `data`'s labels. */
export function scoreLogits(logits: ArrayLike<number>, data: PreparedData): FitScore {
  const c = data.classes.length;
  const { n } = data;
  if (n === 0) return { accuracy: 0, loss: 0 };
  let loss = 0;
  if (!data.targets) {
    let correct = 0;
    for (let i = 0; i < n; i++) {
      let max = Number.NEGATIVE_INFINITY;
      let arg = 0;
      for (let k = 0; k < c; k++) {
        const v = logits[i * c + k]!;
        if (v > max) {
          max = v;
          arg = k;
        }
      }
      let sum = 0;
      for (let k = 0; k < c; k++) sum += Math.exp(logits[i * c + k]! - max);
      loss += max + Math.log(sum) - logits[i * c + data.y[i]!]!;
      if (arg === data.y[i]) correct++;
    }
    return { accuracy: correct / n, loss: loss / n };
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let t = 0; t < n * c; t++) {
    const z = logits[t]!;
    const y = data.targets[t]!;
    loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y * z;
    const p = z >= 0;
    if (p && y) tp++;
    else if (p) fp++;
    else if (y) fn++;
  }
  const f1 = tp === 0 ? (fp + fn === 0 ? 1 : 0) : (2 * tp) / (2 * tp + fp + fn);
  return { accuracy: f1, loss: loss / (n * c) };
}

/** True when `a` is a better fit than `b`: higher accuracy, then lower loss. */
export function better(a: FitScore, b: FitScore | undefined): boolean {
  if (!b) return true;
  if (a.accuracy !== b.accuracy) return a.accuracy > b.accuracy;
  return a.loss < b.loss;
}
