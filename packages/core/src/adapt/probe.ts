import { ClipkitError } from "../errors.js";
import type { ZeroShotHead } from "../zeroshot/head.js";
import { type LabelledEmbeddings, labelsOf, prepareData } from "./data.js";
import { AdaptedHead } from "./head.js";
import { better, type FitScore, scoreLogits } from "./metrics.js";
import { linearLogits } from "./objective.js";
import { type FitSettings, fit, fitBiases } from "./probe-fit.js";
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
  /**
   * Convergence tolerance of each fit: stop once ‖∇f‖∞ ≤ `tolerance` (f the mean per-example loss,
   * as scikit-learn's `tol` for its L-BFGS logistic regression; default {@link DEFAULT_PROBE_TOLERANCE}).
   */
  tolerance?: number;
}

/** Options of {@link trainZeroShotProbe}. */
export interface ZeroShotProbeOptions extends ProbeOptions {
  /** Fixed WiSE-FT mix: W = W_zs + α (W_trained − W_zs); default: chosen from `alphaGrid`. */
  alpha?: number;
  /** Candidate α (default 0, 0.25, 0.5, 0.75, 1; 0 is the zero-shot head itself). */
  alphaGrid?: readonly number[];
}

export const DEFAULT_LAMBDA_GRID: readonly number[] = [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5];
/** Default {@link ProbeOptions.tolerance}. */
export const DEFAULT_PROBE_TOLERANCE = 1e-4;
/**
 * The λ path stops after this many consecutive grid values that do not improve the held-out score
 * (held-out scores are, in practice, unimodal along the path; the weakest λ are the costliest fits).
 */
const PATH_PATIENCE = 2;
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
    tolerance: options.tolerance ?? DEFAULT_PROBE_TOLERANCE,
  };
  if (!(settings.tolerance >= 0)) throw bad(`tolerance must be ≥ 0, got ${settings.tolerance}`, "tolerance");
  const zero = () => (prior ? Float64Array.from(prior) : new Float64Array(c * d + c));
  const protocol = chooseProtocol(prepared, options, multiLabel);
  const searching = protocol.selection !== "default" && lambdaGrid.length * alphaGrid.length > 1;
  const total = (searching ? protocol.splits.length * lambdaGrid.length : 0) + 1;
  let done = 0;
  let lambda = options.lambda ?? (lambdaGrid.length === 1 ? lambdaGrid[0]! : ONE_SHOT_LAMBDA);
  let alpha = options.alpha ?? (alphaGrid.length === 1 ? alphaGrid[0]! : 0.5);
  let heldOut: FitScore | undefined;
  let start: Float64Array | undefined;
  if (searching || protocol.selection === "validation") {
    // λ outer, splits inner: each split walks the path from the strongest λ, warm-started from its
    // own previous solution, and the path stops once held-out scores stop improving.
    const thetas: Float64Array[] = [];
    for (const split of protocol.splits)
      thetas.push(prior && !multiLabel ? yield* fitBiases(split.train, zero()) : zero());
    let bestThetas = thetas;
    let stale = 0;
    for (const l of lambdaGrid) {
      const tallies = alphaGrid.map(() => new HeldOutTally());
      for (const [f, split] of protocol.splits.entries()) {
        thetas[f] = yield* fit(split.train, l, prior, thetas[f]!, settings);
        for (const [ai, a] of alphaGrid.entries()) {
          const params = prior ? mix(prior, thetas[f]!, a) : thetas[f]!;
          const logits = yield* linearLogits(split.held, params);
          tallies[ai]!.add(scoreLogits(logits, split.held), split.held.n);
        }
        options.onProgress?.(++done, total);
      }
      let improved = false;
      alphaGrid.forEach((a, ai) => {
        const score = tallies[ai]!.score;
        if (better(score, heldOut)) {
          heldOut = score;
          lambda = l;
          alpha = a;
          improved = true;
        }
      });
      if (improved) {
        bestThetas = thetas.map((t) => t.slice());
        stale = 0;
      } else if (++stale >= PATH_PATIENCE) break;
    }
    // The refit on all data starts from the splits' mean solution at the chosen λ: the same
    // strictly convex problem on more rows, so it needs a fraction of a cold start's iterations.
    start = new Float64Array(c * d + c);
    for (const t of bestThetas) for (let j = 0; j < t.length; j++) start[j]! += t[j]! / bestThetas.length;
  }
  start ??= prior && !multiLabel ? yield* fitBiases(protocol.all, zero()) : zero();
  const trained = yield* fit(protocol.all, lambda, prior, start, settings);
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
 * The path runs strongest λ first with warm starts and stops after two values that do not improve
 * the held-out score; each fit stops at ‖∇f‖∞ ≤ `tolerance` (scikit-learn's rule) and runs on
 * centred rows (an exact reparameterisation). Deterministic for a given `seed`.
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
