import type { MatMul } from "../backend/matmul.js";
import { kernelRoundsToFloat32, matmulABt } from "./gemm.js";

/**
 * One algorithm, two drivers. The adapters' training loops are written once, as generators that
 * `yield` every large product they need ({@link GemmRequest}) and resume when it is written into
 * the request's `out`. {@link runSteps} answers synchronously on the WebAssembly kernel
 * (`matmulABt`), {@link runStepsAsync} awaits a backend's GEMM (`Backend.matmul`), so the sync
 * public API (`trainHead`, …) and the async one (`trainHeadAsync`) share every line of maths.
 */

/** A product a training loop needs: `out[0 … m·n)` = `A · Bᵀ` (see `matmulABt`). */
export interface GemmRequest {
  readonly a: Float32Array | Float64Array;
  readonly b: Float32Array | Float64Array;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly out: Float32Array | Float64Array;
  /** Computed in float64 by the JavaScript loop whatever the driver (gradient checks). */
  readonly exact: boolean;
}

/** A training loop (or part of one) that yields products and returns `T`. */
export type Steps<T> = Generator<GemmRequest, T, void>;

/** `A · Bᵀ` into `out` (default a new float64 buffer), through whichever driver runs the loop. */
export function* product<O extends Float32Array | Float64Array = Float64Array>(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  m: number,
  n: number,
  k: number,
  out: O = new Float64Array(m * n) as O,
  exact = false,
): Steps<O> {
  if (m > 0 && n > 0) yield { a, b, m, n, k, out, exact };
  return out;
}

/** Runs `steps` to the end, every product on the WebAssembly SIMD kernel. */
export function runSteps<T>(steps: Steps<T>): T {
  let next = steps.next();
  while (!next.done) {
    const q = next.value;
    matmulABt(q.a, q.b, q.m, q.n, q.k, q.out, !q.exact);
    next = steps.next();
  }
  return next.value;
}

/**
 * Default of {@link AsyncStepsOptions.minMultiplyAdds}: below about a million multiply-adds the
 * kernel finishes (~0.1 ms) before a runtime call would have returned.
 */
export const DEFAULT_BACKEND_MIN_MULTIPLY_ADDS = 1 << 20;

/** How {@link runStepsAsync} splits products between the backend and the kernel. */
export interface AsyncStepsOptions {
  /**
   * Products with fewer multiply-adds (`m·n·k`) run on the WebAssembly kernel instead of the
   * backend (default {@link DEFAULT_BACKEND_MIN_MULTIPLY_ADDS}; 0 sends every float32 product).
   * The rule depends on sizes only, so results stay deterministic.
   */
  minMultiplyAdds?: number;
}

/**
 * Runs `steps` to the end, awaiting every float32 product of at least `minMultiplyAdds`
 * multiply-adds on `matmul` (a backend's GEMM, float32 accumulation in the runtime's order) and
 * computing the rest like {@link runSteps}.
 */
export async function runStepsAsync<T>(
  steps: Steps<T>,
  matmul: MatMul,
  options: AsyncStepsOptions = {},
): Promise<T> {
  const min = options.minMultiplyAdds ?? DEFAULT_BACKEND_MIN_MULTIPLY_ADDS;
  // Float64 destinations get the float32 product through one scratch buffer, grown as needed and
  // reused by every later step (a 16,000 × 1,000 product is 64 MB: allocating it per step costs
  // page faults and garbage collection). Float32 destinations are written in place.
  let scratch = new Float32Array(0);
  let next = steps.next();
  while (!next.done) {
    const q = next.value;
    const size = q.m * q.n;
    if (q.exact || !(q.a instanceof Float32Array && q.b instanceof Float32Array) || size * q.k < min) {
      matmulABt(q.a, q.b, q.m, q.n, q.k, q.out, !q.exact);
    } else if (q.out instanceof Float32Array) {
      await matmul.abt(q.a, q.b, q.m, q.n, q.k, q.out);
    } else {
      if (scratch.length < size) scratch = new Float32Array(size);
      await matmul.abt(q.a, q.b, q.m, q.n, q.k, scratch);
      q.out.set(scratch.length === size ? scratch : scratch.subarray(0, size));
    }
    next = steps.next();
  }
  return next.value;
}

/**
 * A destination for `A · Bᵀ` (`a`, `b` float32, reduction length `k`) of `size` values that holds
 * the sync kernel's result exactly at the lowest cost: float32 when the WebAssembly kernel rounds
 * to float32 anyway (SIMD available, `k` a multiple of 4, no split reduction), float64 otherwise
 * (the JavaScript fallback and split reductions accumulate in float64). Either way a backend's
 * float32 product is stored exactly, so the two drivers see the values they saw before.
 */
export function productBuffer(size: number, k: number): Float32Array | Float64Array {
  return kernelRoundsToFloat32(k) ? new Float32Array(size) : new Float64Array(size);
}
