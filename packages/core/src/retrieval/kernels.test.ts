import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHalfBits } from "./float16.js";
import { scanTopK } from "./kernels.js";
import { createSimdDot } from "./simd-dot.js";
import { lcg } from "./testing.js";

describe("scan kernels", () => {
  it("WebAssembly SIMD is available in this runtime (else the JS fallback would silently be tested twice)", () => {
    expect(createSimdDot()).toBeDefined();
  });

  it("growing past wasm32's 4 GiB is a ClipkitError, not a RangeError (nothing is allocated)", () => {
    const kernel = createSimdDot()!;
    expect(() => kernel.reserve(5 * 2 ** 30)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    kernel.reserve(1 << 20); // still usable
    expect(kernel.bytes()).toBeGreaterThanOrEqual(1 << 20);
  });

  it("SIMD and JS kernels return the same top-k (float32 vs float64 accumulation)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).map((d) => d * 4),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer(),
        (dim, ni, nq, k, seed) => {
          const next = lcg(seed);
          const rnd = () => next() / 2 ** 32 - 0.5;
          const items = Float32Array.from({ length: ni * dim }, rnd);
          const queries = Float32Array.from({ length: nq * dim }, rnd);
          const allowed = Uint8Array.from({ length: ni }, () => (rnd() > -0.3 ? 1 : 0));
          const simd = scanTopK({ queries, items, nq, ni, dim, allowed }, k);
          const js = scanTopK({ queries, items, nq, ni, dim, allowed, simd: false }, k);
          simd.forEach((h, q) => {
            const a = h.sorted();
            const b = js[q]!.sorted();
            expect(a.map((x) => x.score)).toEqual(b.map((x) => expect.closeTo(x.score, 4)));
            // Near-ties may swap under float32 rounding; the index sets agree otherwise.
            const gap = a.length > 1 ? Math.min(...a.slice(1).map((x, i) => a[i]!.score - x.score)) : 1;
            if (gap > 1e-4) expect(a.map((x) => x.index)).toEqual(b.map((x) => x.index));
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("int8 SIMD and JS kernels give identical scores and ranks (exact integer sums)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).map((d) => d * 16),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer(),
        (dim, ni, nq, k, seed) => {
          const next = lcg(seed);
          const code = () => (next() % 255) - 127;
          const items = Int8Array.from({ length: ni * dim }, code);
          const queries = Int8Array.from({ length: nq * dim }, code);
          const itemScale = Float32Array.from({ length: ni }, () => 0.01 + (code() + 127) / 5000);
          const queryScale = Float32Array.from({ length: nq }, () => 0.01 + (code() + 127) / 5000);
          const input = { queries, items, nq, ni, dim, itemScale, queryScale };
          const simd = scanTopK(input, k);
          const js = scanTopK({ ...input, simd: false }, k);
          for (let q = 0; q < nq; q++) expect(simd[q]!.sorted()).toEqual(js[q]!.sorted());
        },
      ),
      { numRuns: 60 },
    );
  });

  it("single-query kernels (one row streamed at a time) equal float64 / exact integer dots", () => {
    const kernel = createSimdDot()!;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }).map((d) => d * 4),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        (dim, nx, nq, seed) => {
          const next = lcg(seed);
          const rnd = () => next() / 2 ** 32 - 0.5;
          // float32: queries, rows, scores one after the other in the kernel's memory
          const q = Float32Array.from({ length: nq * dim }, rnd);
          const x = Float32Array.from({ length: nx * dim }, rnd);
          kernel.reserve((q.length + x.length + nq * nx) * 4);
          const heap = kernel.heap();
          heap.set(q, 0);
          heap.set(x, q.length);
          kernel.scores(0, nq, q.length * 4, nx, dim, (q.length + x.length) * 4);
          const out = heap.subarray(q.length + x.length, q.length + x.length + nq * nx);
          for (let a = 0; a < nq; a++) {
            for (let i = 0; i < nx; i++) {
              let exact = 0;
              for (let j = 0; j < dim; j++) exact += q[a * dim + j]! * x[i * dim + j]!;
              // |float32 sum − exact| ≤ γ(dim)·Σ|qⱼxⱼ| ≤ dim·2⁻²³·dim/4 here
              expect(Math.abs(out[a * nx + i]! - exact)).toBeLessThanOrEqual(dim * dim * 2 ** -24);
            }
          }
          // int8 (dim a multiple of 16): queries widened to int16, sums exact in int32
          const d8 = dim - (dim % 16) || 16;
          const code = () => Math.round(rnd() * 254);
          const q8 = Int16Array.from({ length: nq * d8 }, code);
          const x8 = Int8Array.from({ length: nx * d8 }, code);
          const xOff = q8.length * 2;
          const oOff = (xOff + x8.length + 15) & ~15;
          kernel.reserve(oOff + nq * nx * 4);
          const mem = kernel.heap().buffer;
          new Int16Array(mem, 0, q8.length).set(q8);
          new Int8Array(mem, xOff, x8.length).set(x8);
          kernel.scoresI8(0, nq, xOff, nx, d8, oOff);
          const out8 = new Float32Array(mem, oOff, nq * nx);
          for (let a = 0; a < nq; a++) {
            for (let i = 0; i < nx; i++) {
              let exact = 0;
              for (let j = 0; j < d8; j++) exact += q8[a * d8 + j]! * x8[i * d8 + j]!;
              expect(out8[a * nx + i]).toBe(Math.fround(exact));
            }
          }
          // float16 rows (dim a multiple of 8; finite halves, subnormals included) × float32 queries
          const d16 = dim - (dim % 8) || 8;
          const qh = Float32Array.from({ length: nq * d16 }, rnd);
          const xh = Uint16Array.from(
            { length: nx * d16 },
            () => Math.floor((rnd() + 0.5) * 0xffff) & 0xbbff,
          );
          const xhOff = qh.length * 4;
          const ohOff = (xhOff + xh.length * 2 + 15) & ~15;
          kernel.reserve(ohOff + nq * nx * 4);
          const memH = kernel.heap().buffer;
          new Float32Array(memH, 0, qh.length).set(qh);
          new Uint16Array(memH, xhOff, xh.length).set(xh);
          kernel.scoresF16(0, nq, xhOff, nx, d16, ohOff);
          const outH = new Float32Array(memH, ohOff, nq * nx);
          for (let a = 0; a < nq; a++) {
            for (let i = 0; i < nx; i++) {
              let exact = 0;
              let mass = 0;
              for (let j = 0; j < d16; j++) {
                const p = qh[a * d16 + j]! * fromHalfBits(xh[i * d16 + j]!);
                exact += p;
                mass += Math.abs(p);
              }
              expect(Math.abs(outH[a * nx + i]! - exact)).toBeLessThanOrEqual(d16 * 2 ** -23 * mass + 1e-30);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("streamRead reads every byte it is given (lane-0 checksum of the int32 words)", () => {
    const kernel = createSimdDot()!;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer(),
        (blocks, at, seed) => {
          const words = new Int32Array(blocks * 16);
          const next = lcg(seed);
          for (let i = 0; i < words.length; i++) words[i] = next() | 0;
          kernel.reserve((at + blocks) * 64 + 64);
          new Int32Array(kernel.heap().buffer, at * 64, words.length).set(words);
          let lane0 = 0;
          for (let i = 0; i < words.length; i += 4) lane0 = (lane0 + words[i]!) | 0;
          expect(kernel.streamRead(at * 64, blocks * 64)).toBe(lane0);
        },
      ),
      { numRuns: 50 },
    );
  });
});
