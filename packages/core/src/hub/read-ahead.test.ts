import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_READ_AHEAD, type RangeFetch, readAheadSource, ScanStopped, scanBudget } from "./read-ahead.js";

const file = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 255);
/** A fetch over `bytes` that logs every request. */
function served(bytes: Uint8Array, log: [number, number][] = []): RangeFetch {
  return async (offset, length) => {
    log.push([offset, length]);
    return bytes.slice(offset, offset + length);
  };
}

describe("readAheadSource", () => {
  it("answers any sequence of reads with the file's bytes, within the budget it was given", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300_000 }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 5000 })), {
          maxLength: 40,
        }),
        async (size, reads) => {
          const bytes = file(size);
          const source = readAheadSource(served(bytes), size, Number.MAX_SAFE_INTEGER);
          for (const [at, length] of reads) {
            const offset = Math.min(size, Math.floor(at * size));
            const got = await source.read(offset, length);
            expect(got).toEqual(bytes.subarray(offset, Math.min(size, offset + length)));
          }
          expect(source.stats.bytes).toBeLessThanOrEqual(
            reads.reduce((n, [, l]) => n + Math.max(l, MAX_READ_AHEAD), 0),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reads in order grow the read-ahead (fewer requests); a jump fetches just what was asked", async () => {
    const size = 4 * MAX_READ_AHEAD;
    const log: [number, number][] = [];
    const source = readAheadSource(served(file(size), log), size, size);
    for (let offset = 0; offset < 200_000; offset += 100) await source.read(offset, 100);
    expect(log.length).toBeLessThanOrEqual(4);
    expect(log[0]).toEqual([0, 100]);
    const before = log.length;
    await source.read(3 * MAX_READ_AHEAD, 16);
    expect(log.slice(before)).toEqual([[3 * MAX_READ_AHEAD, 16]]);
  });

  it("stops with ScanStopped past the byte budget and when the server ignores Range", async () => {
    const size = 1 << 20;
    const small = readAheadSource(served(file(size)), size, 1000);
    await expect(small.read(0, 600)).resolves.toHaveLength(600);
    await expect(small.read(5000, 600)).rejects.toBeInstanceOf(ScanStopped);
    const ignored = readAheadSource(async () => "ignored", size, size);
    await expect(ignored.read(0, 10)).rejects.toThrow(/ignores Range/);
  });

  it("scanBudget is 1/16 of the graph, at least 8 MiB", () => {
    expect(scanBudget(1000)).toBe(8 * 1024 * 1024);
    expect(scanBudget(605_000_000)).toBe(37_812_500);
  });
});
