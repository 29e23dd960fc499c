import { ClipkitError } from "../errors.js";
import {
  foldRows,
  type LabelledEmbeddings,
  minShots,
  type PreparedData,
  prepareData,
  stratifiedFolds,
  subset,
  validationSplit,
} from "./data.js";

/** Options every adapter shares: how hyper-parameters are chosen, reproducibly. */
export interface SelectionOptions {
  /** Seed for fold assignment, validation split and any stochastic step (default 0). */
  seed?: number;
  /** Folds of the stratified cross-validation used when no validation data is given (default 3; at most the fewest shots of a class). */
  folds?: number;
  /** Held-out labelled embeddings to choose hyper-parameters on (never trained on). */
  validation?: LabelledEmbeddings;
  /** Instead of `validation`: hold out this fraction of each class (e.g. 0.2), choose on it, then refit on everything. */
  valFraction?: number;
  /** Fixed class order of the head (default: the zero-shot head's order, else sorted labels). */
  classes?: readonly string[];
  /** Called as fits complete: `(done, total)`. */
  onProgress?: (done: number, total: number) => void;
}

/** One way of scoring a hyper-parameter setting: fit on `train`, evaluate on `held`. */
export interface Split {
  readonly train: PreparedData;
  readonly held: PreparedData;
}

/** How hyper-parameters will be chosen for a data set. */
export interface Protocol {
  readonly selection: "cv" | "validation" | "default";
  readonly splits: readonly Split[];
  /** What the final head is fitted on. */
  readonly all: PreparedData;
}

/**
 * Picks the protocol: an explicit validation set; else a `valFraction` split (refit on all); else
 * stratified k-fold CV when every class has at least two examples; else defaults (one shot).
 */
export function chooseProtocol(data: PreparedData, options: SelectionOptions, multiLabel: boolean): Protocol {
  const seed = options.seed ?? 0;
  if (options.validation) {
    const held = prepareData(options.validation, data.classes, multiLabel, "validation");
    if (held.space.id !== data.space.id || held.dim !== data.dim) {
      throw new ClipkitError(
        "SPACE_MISMATCH",
        "validation embeddings come from another model space than the training ones",
        {
          details: { training: data.space, validation: held.space },
        },
      );
    }
    return { selection: "validation", splits: [{ train: data, held }], all: data };
  }
  if (options.valFraction !== undefined) {
    const { train, validation } = validationSplit(data, options.valFraction, seed);
    if (validation.length === 0) return { selection: "default", splits: [], all: data };
    return {
      selection: "validation",
      splits: [{ train: subset(data, train), held: subset(data, validation) }],
      all: data,
    };
  }
  const folds = Math.min(options.folds ?? 3, multiLabel ? data.n : minShots(data));
  if (!Number.isInteger(folds) || folds < 2) return { selection: "default", splits: [], all: data };
  const fold = stratifiedFolds(data, folds, seed);
  const splits: Split[] = [];
  for (let f = 0; f < folds; f++) {
    splits.push({
      train: subset(data, foldRows(fold, f, false)),
      held: subset(data, foldRows(fold, f, true)),
    });
  }
  return { selection: "cv", splits, all: data };
}

/** Running held-out totals for one hyper-parameter setting (weighted by held-out rows). */
export class HeldOutTally {
  private rows = 0;
  private correct = 0;
  private lossSum = 0;

  add(score: { accuracy: number; loss: number }, rows: number): void {
    this.rows += rows;
    this.correct += score.accuracy * rows;
    this.lossSum += score.loss * rows;
  }

  get score(): { accuracy: number; loss: number } {
    return this.rows === 0
      ? { accuracy: 0, loss: 0 }
      : { accuracy: this.correct / this.rows, loss: this.lossSum / this.rows };
  }
}
