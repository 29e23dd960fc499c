import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { type Rows, rampSizes, runBatches } from "./batches.js";

/** Each input n becomes the row [n, 2n]. */
const rowsOf = (xs: readonly number[]): Rows => ({
  data: Float32Array.from(xs.flatMap((x) => [x, 2 * x])),
  count: xs.length,
  dim: 2,
});

describe("runBatches", () => {
  it("returns rows in input order for any batch size", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 50 }),
        async (xs, size) => {
          const progress: number[] = [];
          const out = await runBatches(xs, {
            batchSize: size,
            prepare: async (slice) => [...slice],
            infer: async (b: number[]) => rowsOf(b),
            onProgress: (done, total) => {
              expect(total).toBe(xs.length);
              progress.push(done);
            },
          });
          expect(Array.from(out.data)).toEqual(xs.flatMap((x) => [x, 2 * x]));
          expect(out.count).toBe(xs.length);
          expect(progress.at(-1) ?? 0).toBe(xs.length);
          expect(progress.length).toBe(Math.ceil(xs.length / size));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("with ramp, starts small, never exceeds batchSize, and keeps input order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 64 }),
        async (xs, size) => {
          const seen: number[] = [];
          const out = await runBatches(xs, {
            batchSize: size,
            ramp: true,
            prepare: async (slice) => [...slice],
            infer: async (b: number[]) => {
              seen.push(b.length);
              return rowsOf(b);
            },
          });
          expect(Array.from(out.data)).toEqual(xs.flatMap((x) => [x, 2 * x]));
          const ramp = rampSizes(size);
          seen.forEach((n, k) => {
            const last = k === seen.length - 1;
            expect(n).toBeLessThanOrEqual(size);
            // Every batch but the last is exactly the planned size.
            if (!last) expect(n).toBe(ramp[k] ?? size);
            else expect(n).toBeLessThanOrEqual(ramp[k] ?? size);
          });
          expect(seen.reduce((a, b) => a + b, 0)).toBe(xs.length);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("rampSizes grows ×4 from ⌈size/16⌉ and stays below size", () => {
    expect(rampSizes(1)).toEqual([]);
    expect(rampSizes(8)).toEqual([1, 4]);
    expect(rampSizes(32)).toEqual([2, 8]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4096 }), (size) => {
        const r = rampSizes(size);
        r.forEach((s, i) => {
          expect(s).toBeLessThan(size);
          if (i > 0) expect(s).toBe(r[i - 1]! * 4);
        });
        if (r.length > 0) expect(r[0]).toBe(Math.ceil(size / 16));
      }),
    );
  });

  it("prepares batch k+1 while batch k is running", async () => {
    const log: string[] = [];
    await runBatches([1, 2, 3], {
      batchSize: 1,
      prepare: async (slice) => {
        log.push(`prepare ${slice[0]}`);
        return slice;
      },
      infer: async (b) => {
        log.push(`infer start ${b[0]}`);
        await new Promise((r) => setTimeout(r, 5));
        log.push(`infer end ${b[0]}`);
        return rowsOf(b);
      },
    });
    expect(log.indexOf("prepare 2")).toBeLessThan(log.indexOf("infer end 1"));
    expect(log.indexOf("prepare 3")).toBeLessThan(log.indexOf("infer end 2"));
  });

  it("stops with ABORTED between batches", async () => {
    const controller = new AbortController();
    let inferred = 0;
    const run = runBatches([1, 2, 3, 4], {
      batchSize: 1,
      signal: controller.signal,
      prepare: async (s) => s,
      infer: async (b) => {
        inferred++;
        return rowsOf(b);
      },
      onProgress: (done) => {
        if (done === 2) controller.abort();
      },
    });
    await expect(run).rejects.toSatisfy((e) => isClipkitError(e, "ABORTED"));
    expect(inferred).toBe(2);
    const pre = runBatches([1], {
      batchSize: 1,
      signal: AbortSignal.abort(),
      prepare: async (s) => s,
      infer: async (b) => rowsOf(b),
    });
    await expect(pre).rejects.toSatisfy((e) => isClipkitError(e, "ABORTED"));
  });

  it("reports the inference error, not the pending batch's, and leaves nothing unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => {
      unhandled.push(e);
    };
    process.on("unhandledRejection", onUnhandled);
    try {
      const run = runBatches([1, 2], {
        batchSize: 1,
        prepare: async (s) => {
          if (s[0] === 2) throw new Error("prepare 2 failed");
          return s;
        },
        infer: async () => {
          await new Promise((r) => setTimeout(r, 2));
          throw new Error("infer 1 failed");
        },
      });
      await expect(run).rejects.toThrow("infer 1 failed");
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
