import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEmbeddings } from "../embeddings.js";
import { prepareData } from "./data.js";
import { logisticObjective } from "./objective.js";
import { fit, fitBiases } from "./probe-fit.js";
import { seededRandom } from "./rng.js";
import { runSteps } from "./steps.js";

function problem(seed: number) {
  const random = seededRandom(seed);
  const n = 6 + Math.floor(random() * 40);
  const dim = 4 * (1 + Math.floor(random() * 3));
  const classes = ["a", "b", "c", "d", "e"].slice(0, 2 + Math.floor(random() * 4));
  // A shared offset: real embeddings are far from centred, which fit() undoes exactly.
  const x = Float32Array.from({ length: n * dim }, (_, t) => random() * 2 - 1 + (t % dim === 0 ? 3 : 0));
  const labels = Array.from({ length: n }, (_, i) => classes[i % classes.length]!);
  const space = { id: "t", dim, normalized: false };
  const data = prepareData({ embeddings: createEmbeddings(x, n, space), labels }, classes, false);
  // A confident, mostly wrong "zero-shot" prior: large random weights and biases.
  const size = classes.length * dim + classes.length;
  const prior = Float64Array.from({ length: size }, () => 30 * (random() * 2 - 1));
  return { data, prior, c: classes.length, dim };
}

const maxAbs = (g: Float64Array, from: number) => Math.max(...Array.from(g.subarray(from), Math.abs));

describe("probe fits", () => {
  it("refitting the prior's biases never raises the loss and shrinks the bias gradient (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const { data, prior, c, dim } = problem(seed);
        const f = logisticObjective(data, {
          kind: "softmax",
          lambda: 0.1,
          prior: prior.subarray(0, c * dim),
          precise: true,
        });
        const g0 = new Float64Array(prior.length);
        const g1 = new Float64Array(prior.length);
        const before = f(prior, g0);
        const start = runSteps(fitBiases(data, prior));
        const after = f(start, g1);
        // W is untouched: only the starting biases move.
        expect(Array.from(start.subarray(0, c * dim))).toEqual(Array.from(prior.subarray(0, c * dim)));
        expect(after).toBeLessThanOrEqual(before + 1e-9 * Math.max(1, before));
        expect(maxAbs(g1, c * dim)).toBeLessThanOrEqual(maxAbs(g0, c * dim) + 1e-9);
      }),
      { numRuns: 60 },
    );
  });

  it("fits on centred rows land on the raw-row optimum: the gradient there is ~0 (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const { data, prior, c, dim } = problem(seed);
        const settings = { multiLabel: false, classBalanced: false, maxIterations: 500, tolerance: 1e-9 };
        const theta = runSteps(fit(data, 0.05, undefined, new Float64Array(prior.length), settings));
        const g = new Float64Array(theta.length);
        logisticObjective(data, { kind: "softmax", lambda: 0.05, precise: true })(theta, g);
        // Float64 gradient at the float32-product fit's end point: zero up to float32 rounding
        // (the offset rows make a wrong bias mapping show up as an O(1) bias gradient).
        expect(maxAbs(g, 0)).toBeLessThan(1e-3);
        expect(c * dim + c).toBe(theta.length);
      }),
      { numRuns: 30 },
    );
  });
});
