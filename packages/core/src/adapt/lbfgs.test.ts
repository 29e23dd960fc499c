import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { minimizeLbfgs } from "./lbfgs.js";

describe("minimizeLbfgs", () => {
  it("finds the minimiser of random convex quadratics (property)", () => {
    const problem = fc
      .integer({ min: 1, max: 12 })
      .chain((n) =>
        fc.tuple(
          fc.array(fc.double({ min: 0.05, max: 50, noNaN: true }), { minLength: n, maxLength: n }),
          fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }),
          fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
        ),
      );
    fc.assert(
      fc.property(problem, ([diag, target, mix]) => {
        const n = diag.length;
        // f(x) = ½ (x − t)ᵀ A (x − t) with A = D + u uᵀ (SPD, not diagonal).
        const objective = (x: Float64Array, g: Float64Array) => {
          const d = x.map((v, i) => v - target[i]!);
          let ud = 0;
          for (let i = 0; i < n; i++) ud += mix[i]! * d[i]!;
          let f = 0;
          for (let i = 0; i < n; i++) {
            g[i] = diag[i]! * d[i]! + mix[i]! * ud;
            f += 0.5 * d[i]! * g[i]!;
          }
          return f;
        };
        const r = minimizeLbfgs(objective, new Float64Array(n), {
          maxIterations: 500,
          gradientTolerance: 1e-9,
          relativeTolerance: 0,
        });
        for (let i = 0; i < n; i++) expect(r.x[i]).toBeCloseTo(target[i]!, 4);
      }),
      { numRuns: 60 },
    );
  });

  it("solves the Rosenbrock function and never increases f (monotone iterations)", () => {
    const values: number[] = [];
    const r = minimizeLbfgs(
      (x, g) => {
        const [a, b] = [x[0]!, x[1]!];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      Float64Array.of(-1.2, 1),
      {
        maxIterations: 500,
        gradientTolerance: 1e-10,
        relativeTolerance: 0,
        onIteration: (_, f) => values.push(f),
      },
    );
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
  });

  it("rejects a non-finite start with NON_FINITE", () => {
    try {
      minimizeLbfgs(() => Number.NaN, new Float64Array(2));
      throw new Error("expected a throw");
    } catch (error) {
      expect(isClipkitError(error, "NON_FINITE")).toBe(true);
    }
  });
});
