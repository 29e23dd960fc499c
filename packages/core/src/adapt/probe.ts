import { ClipkitError } from "../errors.js";
import type { ZeroShotHead } from "../zeroshot/head.js";
import { type LabelledEmbeddings, labelsOf, type PreparedData, prepareData } from "./data.js";
import { AdaptedHead } from "./head.js";
import { lbfgsSteps } from "./lbfgs.js";
import { better, type FitScore, scoreLogits } from "./metrics.js";
import { linearLogits, logisticObjectiveSteps } from "./objective.js";
import { chooseProtocol, HeldOutTally, type SelectionOptions } from "./protocol.js";
import { classPrototypes } from "./prototypes.js";
import { runSteps, type Steps } from "./steps.js";

/** Options of {@link trainLinearProbe}. */
export interface ProbeOptions extends SelectionOptions {
  /** Fixed L2 strength λ (per-example-mean loss units); default: chosen from `lambdaGrid`. */
  lambda?: number;
  /** Candidate λ, tried strongest first with warm starts (default 10⁻⁵ … 10⁰, one per decade). */
  lambdaGrid?: readonly number[];
  /** Weight every class equally however many examples it has (default false). */
  classBalanced?: boolean;
  /** One-vs-rest sigmoid head for tag data, `labels[i]` a list (default false). */
  multiLabel?: boolean;
  /** L-BFGS iteration cap per fit (default 100). */
  maxIterations?: number;
}

/** Options of {@link trainZeroShotProbe}. */
export interface ZeroShotProbeOptions extends ProbeOptions {
  /** Fixed WiSE-FT mix: W = W_zs + α (W_trained − W_zs); default: chosen from `alphaGrid`. */
  alpha?: number;
  /** Candidate α (default 0, 0.25, 0.5, 0.75, 1; 0 is the zero-shot head itself). */
  alphaGrid?: readonly number[];
}

export const DEFAULT_LAMBDA_GRID: readonly number[] = [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5];
export const DEFAULT_ALPHA_GRID: readonly number[] = [0, 0.25, 0.5, 0.75, 1];
/** λ for a single shot, where no held-out data exists: CLIP-probe-like moderate regularisation. */
const ONE_SHOT_LAMBDA = 1e-3;

function bad(message: string, argument: string): ClipkitError {
  return new ClipkitError("INVALID_ARGUMENT", message, { details: { argument } });
}

/** Prior W₀ (zero-shot weights × logit scale, bias = the model's logit bias or 0) in the class order of `classes`. */
function zeroShotPrior(zs: ZeroShotHead, classes: readonly string[]): Float64Array {
  const d = zs.space.dim;
  const c = classes.length;
  const prior = new Float64Array(c * d + c);
  const bias = zs.scoring.kind === "sigmoid" ? zs.scoring.logitBias : 0;
  classes.forEach((label, k) => {
    const j = zs.labels.indexOf(label);
    if (j < 0)
      throw bad(`training label ${JSON.stringify(label)} is not a class of the zero-shot head`, "zeroShot");
    for (let t = 0; t < d; t++) prior[k * d + t] = zs.scoring.logitScale * zs.weights[j * d + t]!;
    prior[c * d + k] = bias;
  });
  return prior;
}

function mix(prior: Float64Array, trained: Float64Array, alpha: number): Float64Array {
  const out = new Float64Array(prior.length);
  for (let t = 0; t < out.length; t++) out[t] = prior[t]! + alpha * (trained[t]! - prior[t]!);
  return out;
}

interface FitSettings {
  multiLabel: boolean;
  classBalanced: boolean;
  maxIterations: number;
}

function* fit(
  data: PreparedData,
  lambda: number,
  prior: Float64Array | undefined,
  start: Float64Array,
  s: FitSettings,
): Steps<Float64Array> {
  const c = data.classes.length;
  const objective = logisticObjectiveSteps(data, {
    kind: s.multiLabel ? "sigmoid" : "softmax",
    lambda,
    prior: prior?.subarray(0, c * data.dim),
    classBalanced: s.classBalanced,
  });
  const result = yield* lbfgsSteps(objective, start, {
    maxIterations: s.maxIterations,
    gradientTolerance: 1e-6,
    relativeTolerance: 1e-7,
  });
  return result.x;
}

/**
 * Shared trainer: plain probe when `prior` is undefined, zero-shot-initialised otherwise. Its
 * products are yielded (see `steps.ts`): `trainLinearProbe` runs it on the WebAssembly kernel,
 * `trainHeadAsync` on a backend's GEMM.
 */
export function* probeSteps(
  data: LabelledEmbeddings,
  options: ZeroShotProbeOptions,
  zeroShot: ZeroShotHead | undefined,
): Steps<AdaptedHead> {
  const multiLabel = options.multiLabel ?? false;
  const classes = options.classes ?? zeroShot?.labels ?? labelsOf(data);
  if (zeroShot) zeroShot.assertSpace(data.embeddings.space, "trainZeroShotProbe");
  const prepared = prepareData(data, classes, multiLabel);
  const c = classes.length;
  const d = prepared.dim;
  const prior = zeroShot ? zeroShotPrior(zeroShot, classes) : undefined;
  const lambdaGrid =
    options.lambda !== undefined ? [options.lambda] : (options.lambdaGrid ?? DEFAULT_LAMBDA_GRID);
  const alphaGrid = !zeroShot
    ? [1]
    : options.alpha !== undefined
      ? [options.alpha]
      : (options.alphaGrid ?? DEFAULT_ALPHA_GRID);
  for (const l of lambdaGrid)
    if (!(l >= 0 && Number.isFinite(l))) throw bad(`lambda must be finite and ≥ 0, got ${l}`, "lambda");
  for (const a of alphaGrid) if (!(a >= 0 && a <= 1)) throw bad(`alpha must be in [0, 1], got ${a}`, "alpha");
  const settings: FitSettings = {
    multiLabel,
    classBalanced: options.classBalanced ?? false,
    maxIterations: options.maxIterations ?? 100,
  };
  const zero = () => (prior ? Float64Array.from(prior) : new Float64Array(c * d + c));
  const protocol = chooseProtocol(prepared, options, multiLabel);
  const searching = protocol.selection !== "default" && lambdaGrid.length * alphaGrid.length > 1;
  const total = (searching ? protocol.splits.length * lambdaGrid.length : 0) + 1;
  let done = 0;
  let lambda = options.lambda ?? (lambdaGrid.length === 1 ? lambdaGrid[0]! : ONE_SHOT_LAMBDA);
  let alpha = options.alpha ?? (alphaGrid.length === 1 ? alphaGrid[0]! : 0.5);
  let heldOut: FitScore | undefined;
  if (searching || protocol.selection === "validation") {
    const tallies = lambdaGrid.map(() => alphaGrid.map(() => new HeldOutTally()));
    for (const split of protocol.splits) {
      let theta: Float64Array = zero();
      for (const [li, l] of lambdaGrid.entries()) {
        theta = yield* fit(split.train, l, prior, theta, settings);
        for (const [ai, a] of alphaGrid.entries()) {
          const params = prior ? mix(prior, theta, a) : theta;
          const logits = yield* linearLogits(split.held, params);
          tallies[li]![ai]!.add(scoreLogits(logits, split.held), split.held.n);
        }
        options.onProgress?.(++done, total);
      }
    }
    lambdaGrid.forEach((l, li) => {
      alphaGrid.forEach((a, ai) => {
        const score = tallies[li]![ai]!.score;
        if (better(score, heldOut)) {
          heldOut = score;
          lambda = l;
          alpha = a;
        }
      });
    });
  }
  const trained = yield* fit(protocol.all, lambda, prior, zero(), settings);
  options.onProgress?.(total, total);
  const theta = prior ? mix(prior, trained, alpha) : trained;
  const { prototypes, minCosine } = classPrototypes(prepared);
  let shots = Number.POSITIVE_INFINITY;
  for (const v of prepared.counts) shots = Math.min(shots, v);
  return new AdaptedHead({
    labels: classes,
    space: prepared.space,
    scoring: zeroShot?.scoring ?? { kind: "softmax", logitScale: 1 },
    weights: Float32Array.from(theta.subarray(0, c * d)),
    bias: Float32Array.from(theta.subarray(c * d)),
    prototypes,
    promptsHash: zeroShot?.promptsHash ?? "",
    adapter: {
      method: zeroShot ? "zs-probe" : "probe",
      multiLabel,
      shots,
      examples: prepared.n,
      seed: options.seed ?? 0,
      classBalanced: settings.classBalanced,
      hyper: zeroShot ? { lambda, alpha } : { lambda },
      selection: protocol.selection,
      ...(heldOut ? { heldOut } : {}),
      minCosine,
    },
  });
}

/**
 * Trains a linear probe: L2-regularised multinomial logistic regression (one-vs-rest sigmoid with
 * `multiLabel`) on L2-normalised image embeddings, minimised with L-BFGS. λ is chosen, as in CLIP's
 * linear-probe evaluation (Radford et al. 2021, appendix A.3), by a sweep over a log grid scored on
 * held-out data — here stratified k-fold cross-validation on the shots themselves unless a
 * validation set or fraction is given — and the final head is refitted on all training data.
 * Deterministic for a given `seed`.
 *
 * @throws ClipkitError `SHAPE_MISMATCH` (labels vs rows), `INVALID_ARGUMENT` (bad options or labels).
 */
export function trainLinearProbe(data: LabelledEmbeddings, options: ProbeOptions = {}): AdaptedHead {
  return runSteps(probeSteps(data, options, undefined));
}

/**
 * Trains a zero-shot-initialised probe: the same objective, but started from and regularised
 * towards the zero-shot head's weights (W₀ = logitScale · class text embeddings), then mixed
 * WiSE-FT style (Wortsman et al. 2022): W = W₀ + α (W − W₀). λ and α are chosen together on
 * held-out data, and α = 0 (the zero-shot head) is a candidate, so with held-out data the head
 * does not fall below zero-shot on it. Classes default to the zero-shot head's labels, in its order.
 *
 * @throws ClipkitError `SPACE_MISMATCH` when the head and the embeddings come from different models.
 */
export function trainZeroShotProbe(
  zeroShot: ZeroShotHead,
  data: LabelledEmbeddings,
  options: ZeroShotProbeOptions = {},
): AdaptedHead {
  return runSteps(probeSteps(data, options, zeroShot));
}
