import { ClipkitError } from "../errors.js";
import { runSteps, type Steps } from "./steps.js";

/** A differentiable objective: returns f(x) and writes ∇f(x) into `gradient`. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

/** An {@link Objective} whose products are yielded to the driver (see `steps.ts`). */
export type StepObjective = (x: Float64Array, gradient: Float64Array) => Steps<number>;

/** Options for {@link minimizeLbfgs}. */
export interface LbfgsOptions {
  /** Correction pairs kept (default 10, as scipy and liblinear-style solvers use). */
  memory?: number;
  /** Iteration cap (default 200). */
  maxIterations?: number;
  /** Stop when ‖∇f‖∞ ≤ this (default 1e-5). */
  gradientTolerance?: number;
  /** Stop when the relative decrease of f over an iteration is below this (default 1e-9). */
  relativeTolerance?: number;
  /** Called after each accepted step with the iteration number and f. */
  onIteration?: (iteration: number, value: number) => void;
}

/** Result of {@link minimizeLbfgs}. */
export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  /** Objective + gradient evaluations (line-search trials included). */
  readonly evaluations: number;
  readonly converged: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/**
 * Minimises a smooth function with limited-memory BFGS (Nocedal & Wright, *Numerical
 * Optimization*, Algorithm 7.4 two-loop recursion) and a backtracking Armijo line search. Pairs
 * with non-positive curvature are skipped so the implicit Hessian stays positive definite. Fully
 * deterministic: no randomness, fixed evaluation order.
 *
 * @throws ClipkitError `NON_FINITE` when f or ∇f is not finite at the starting point.
 */
export function minimizeLbfgs(
  objective: Objective,
  x0: Float64Array,
  options: LbfgsOptions = {},
): LbfgsResult {
  // biome-ignore lint/correctness/useYield: a plain objective has no product to hand over
  const steps: StepObjective = function* (x, g) {
    return objective(x, g);
  };
  return runSteps(lbfgsSteps(steps, x0, options));
}

/** {@link minimizeLbfgs} over a {@link StepObjective}: the same iterations, products yielded. */
export function* lbfgsSteps(
  objective: StepObjective,
  x0: Float64Array,
  options: LbfgsOptions = {},
): Steps<LbfgsResult> {
  const m = options.memory ?? 10;
  const maxIterations = options.maxIterations ?? 200;
  const gtol = options.gradientTolerance ?? 1e-5;
  const ftol = options.relativeTolerance ?? 1e-9;
  const n = x0.length;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let f = yield* objective(x, g);
  let evaluations = 1;
  if (!Number.isFinite(f) || !g.every(Number.isFinite)) {
    throw new ClipkitError("NON_FINITE", "L-BFGS: objective or gradient is not finite at the start");
  }
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  let iterations = 0;
  let converged = maxAbs(g) <= gtol;
  while (!converged && iterations < maxIterations) {
    // Two-loop recursion: d = -H·g.
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    for (let j = s.length - 1; j >= 0; j--) {
      alpha[j] = rho[j]! * dot(s[j]!, d);
      const yj = y[j]!;
      for (let i = 0; i < n; i++) d[i]! -= alpha[j]! * yj[i]!;
    }
    const last = s.length - 1;
    const gamma = last >= 0 ? dot(s[last]!, y[last]!) / dot(y[last]!, y[last]!) : 1 / Math.max(1, maxAbs(g));
    for (let i = 0; i < n; i++) d[i]! *= gamma;
    for (let j = 0; j < s.length; j++) {
      const beta = rho[j]! * dot(y[j]!, d);
      const sj = s[j]!;
      for (let i = 0; i < n; i++) d[i]! += (alpha[j]! - beta) * sj[i]!;
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = 0;
      y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i]! / Math.max(1, maxAbs(g));
      slope = dot(g, d);
    }
    let step = 1;
    let fNew = Number.POSITIVE_INFINITY;
    for (let trial = 0; trial < 40; trial++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * d[i]!;
      fNew = yield* objective(xNew, gNew);
      evaluations++;
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope)) break; // no progress possible
    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sk[i] = xNew[i]! - x[i]!;
      yk[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12 * Math.sqrt(dot(sk, sk) * dot(yk, yk))) {
      if (s.length === m) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    const decrease = f - fNew;
    x.set(xNew);
    g.set(gNew);
    f = fNew;
    iterations++;
    options.onIteration?.(iterations, f);
    converged = maxAbs(g) <= gtol || decrease <= ftol * Math.max(1, Math.abs(f));
  }
  return { x, value: f, iterations, evaluations, converged };
}
