import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEmbeddings } from "../embeddings.js";
import { prepareData } from "./data.js";
import { minimizeLbfgs } from "./lbfgs.js";
import { logisticObjective } from "./objective.js";
import { seededRandom } from "./rng.js";
import { centres, clusters } from "./test-data.js";

function randomProblem(seed: number, multiLabel: boolean) {
  const random = seededRandom(seed);
  const n = 3 + Math.floor(random() * 8);
  const dim = 1 + Math.floor(random() * 6);
  const classes = ["a", "b", "c", "d"].slice(0, 2 + Math.floor(random() * 3));
  const data = Float32Array.from({ length: n * dim }, () => random() * 2 - 1);
  const labels = Array.from({ length: n }, (_, i) =>
    multiLabel ? classes.filter(() => random() < 0.4) : classes[i % classes.length]!,
  );
  const space = { id: "t", dim, normalized: false };
  return prepareData({ embeddings: createEmbeddings(data, n, space), labels }, classes, multiLabel);
}

describe("logistic objectives", () => {
  it("gradients match central finite differences (softmax and sigmoid, prior, balancing; property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (seed, multiLabel, balanced, withPrior, lambda) => {
          const data = randomProblem(seed, multiLabel);
          const c = data.classes.length;
          const size = c * data.dim + c;
          const random = seededRandom(seed + 1);
          const prior = withPrior ? Float64Array.from({ length: size }, () => random() * 4 - 2) : undefined;
          const f = logisticObjective(data, {
            kind: multiLabel ? "sigmoid" : "softmax",
            lambda,
            prior,
            classBalanced: balanced,
            precise: true,
          });
          const theta = Float64Array.from({ length: size }, () => random() * 6 - 3);
          const g = new Float64Array(size);
          f(theta, g);
          const scratch = new Float64Array(size);
          const h = 1e-6;
          for (let t = 0; t < size; t++) {
            const plus = Float64Array.from(theta);
            const minus = Float64Array.from(theta);
            plus[t]! += h;
            minus[t]! -= h;
            const fd = (f(plus, scratch) - f(minus, scratch)) / (2 * h);
            expect(Math.abs(fd - g[t]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it("the float32 SIMD path agrees with the float64 path", () => {
    const data = prepareData(clusters(centres(5, 32, 1), 7, 0.3, 2), ["c0", "c1", "c2", "c3", "c4"], false);
    const size = 5 * 32 + 5;
    const random = seededRandom(3);
    const theta = Float64Array.from({ length: size }, () => random() * 4 - 2);
    const g64 = new Float64Array(size);
    const g32 = new Float64Array(size);
    const f64 = logisticObjective(data, { kind: "softmax", lambda: 0.1, precise: true })(theta, g64);
    const f32 = logisticObjective(data, { kind: "softmax", lambda: 0.1 })(theta, g32);
    expect(f32).toBeCloseTo(f64, 4);
    for (let t = 0; t < size; t++) expect(g32[t]!).toBeCloseTo(g64[t]!, 4);
  });

  it("the float32 path agrees with the float64 path across row blocks (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 1, max: 90 }),
        fc.boolean(),
        (seed, rows, multiLabel) => {
          const random = seededRandom(seed);
          const dim = 4 * (1 + Math.floor(random() * 4));
          const classes = ["a", "b", "c", "d", "e"].slice(0, 2 + Math.floor(random() * 4));
          const x = Float32Array.from({ length: rows * dim }, () => random() * 2 - 1);
          const labels = Array.from({ length: rows }, (_, i) =>
            multiLabel ? classes.filter(() => random() < 0.4) : classes[i % classes.length]!,
          );
          const space = { id: "t", dim, normalized: false };
          const data = prepareData(
            { embeddings: createEmbeddings(x, rows, space), labels },
            classes,
            multiLabel,
          );
          const size = classes.length * dim + classes.length;
          const theta = Float64Array.from({ length: size }, () => random() * 4 - 2);
          const kind = multiLabel ? "sigmoid" : "softmax";
          const g64 = new Float64Array(size);
          const g32 = new Float64Array(size);
          const f64 = logisticObjective(data, { kind, lambda: 0.1, precise: true })(theta, g64);
          const f32 = logisticObjective(data, { kind, lambda: 0.1 })(theta, g32);
          expect(Math.abs(f32 - f64)).toBeLessThan(1e-4 * Math.max(1, Math.abs(f64)));
          for (let t = 0; t < size; t++) expect(Math.abs(g32[t]! - g64[t]!)).toBeLessThan(1e-4);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("L-BFGS decreases the probe loss at every iteration (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.boolean(), (seed, multiLabel) => {
        const data = randomProblem(seed, multiLabel);
        const c = data.classes.length;
        const f = logisticObjective(data, { kind: multiLabel ? "sigmoid" : "softmax", lambda: 1e-3 });
        const values: number[] = [];
        const start = new Float64Array(c * data.dim + c);
        const f0 = f(start, new Float64Array(start.length));
        const r = minimizeLbfgs(f, start, { maxIterations: 50, onIteration: (_, v) => values.push(v) });
        expect(r.value).toBeLessThanOrEqual(f0);
        for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
      }),
      { numRuns: 40 },
    );
  });
});
