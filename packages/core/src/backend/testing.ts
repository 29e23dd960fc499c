/**
 * Test helpers for a backend's {@link MatMul} (`abt`, A·Bᵀ), shared by the Node and web backend
 * tests. Test-only: not exported from the package index (backend tests import it by relative path,
 * as `model/backend-cases.ts`).
 */
import { expect } from "vitest";
import { seededRandom } from "../adapt/rng.js";
import type { MatMul } from "./matmul.js";

/**
 * A (`m × k`) and B (`n × k`), row-major, uniform in [-1, 1) from `seededRandom(seed)`, each
 * `spare` values longer than the sizes say (only the first m·k / n·k count).
 */
export function randomAB(
  m: number,
  n: number,
  k: number,
  seed: number,
  spare = 0,
): { a: Float32Array; b: Float32Array } {
  const random = seededRandom(seed);
  const a = Float32Array.from({ length: m * k + spare }, () => random() * 2 - 1);
  const b = Float32Array.from({ length: n * k + spare }, () => random() * 2 - 1);
  return { a, b };
}

/**
 * Asserts that `out` is A·Bᵀ (`m × n`) up to float32 rounding: each entry within
 * `1e-6 · (k + 2) · Σ|a||b|` of the float64 product (rounding error scales with Σ|a||b|).
 */
export function expectAbtWithinRounding(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
): void {
  expect(out.length).toBe(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let c = 0;
      let mag = 0;
      for (let t = 0; t < k; t++) {
        c += a[i * k + t]! * b[j * k + t]!;
        mag += Math.abs(a[i * k + t]! * b[j * k + t]!);
      }
      expect(Math.abs(out[i * n + j]! - c)).toBeLessThanOrEqual(1e-6 * (k + 2) * mag + 1e-30);
    }
  }
}

/** Runs `gemm.abt` on {@link randomAB} operands and checks it with {@link expectAbtWithinRounding}. */
export async function checkAbt(
  gemm: MatMul,
  m: number,
  n: number,
  k: number,
  seed: number,
  spare = 0,
): Promise<void> {
  const { a, b } = randomAB(m, n, k, seed, spare);
  expectAbtWithinRounding(await gemm.abt(a, b, m, n, k), a, b, m, n, k);
}

/**
 * Runs `gemm.abt` on {@link randomAB} operands into the caller's `out` and checks that it answers
 * `out` itself with its first m·n values bit-identical to a returned product. What lies past them
 * is the caller's to check.
 */
export async function checkAbtInto(
  gemm: MatMul,
  m: number,
  n: number,
  k: number,
  seed: number,
  out: Float32Array,
): Promise<void> {
  const { a, b } = randomAB(m, n, k, seed);
  const expected = await gemm.abt(a, b, m, n, k);
  expect(await gemm.abt(a, b, m, n, k, out)).toBe(out);
  expect(out.subarray(0, m * n)).toEqual(expected);
}
