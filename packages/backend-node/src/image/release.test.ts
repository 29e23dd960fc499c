import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exposedGc, ReleaseSchedule } from "./release.js";

describe("ReleaseSchedule: when a decode worker collects dropped pixel buffers", () => {
  it("collects once the dropped bytes reach the threshold, then starts counting again", () => {
    let runs = 0;
    const schedule = new ReleaseSchedule(10, () => runs++);
    expect([schedule.drop(4), schedule.drop(4)]).toEqual([false, false]);
    expect(schedule.pending).toBe(8);
    expect(schedule.drop(4)).toBe(true);
    expect([runs, schedule.pending]).toEqual([1, 0]);
    // One image larger than the threshold is released right after it.
    expect(schedule.drop(25)).toBe(true);
    expect(runs).toBe(2);
  });

  it("collects after every image at threshold 0, never without a collector", () => {
    let runs = 0;
    const every = new ReleaseSchedule(0, () => runs++);
    for (let i = 0; i < 5; i++) every.drop(1);
    expect(runs).toBe(5);
    const off = new ReleaseSchedule(0, undefined);
    expect(off.drop(1 << 30)).toBe(false);
    expect(off.pending).toBe(0);
  });

  it("keeps the waiting bytes below the threshold and collects as often as a running total says", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 << 20 }),
        fc.array(fc.integer({ min: 0, max: 1 << 21 }), { maxLength: 200 }),
        (threshold, drops) => {
          let runs = 0;
          const schedule = new ReleaseSchedule(threshold, () => runs++);
          let total = 0;
          let expected = 0;
          for (const bytes of drops) {
            total += bytes;
            const due = total >= threshold;
            if (due) {
              expected++;
              total = 0;
            }
            expect(schedule.drop(bytes)).toBe(due);
            expect(schedule.pending).toBe(total);
            expect(schedule.pending).toBeLessThan(Math.max(threshold, 1));
          }
          expect(runs).toBe(expected);
        },
      ),
    );
  });
});

describe("exposedGc", () => {
  it("returns V8's gc and leaves --expose-gc as the process had it", async () => {
    const had = typeof (globalThis as { gc?: unknown }).gc;
    const gc = exposedGc();
    expect(typeof gc).toBe("function");
    // A context made afterwards sees gc only if the process was started with --expose-gc.
    expect(runInNewContext("typeof gc")).toBe(had);
    // It really collects: a WeakRef whose target is unreachable is cleared by a full collection
    // (WeakRef targets are held until the job that made them ends, hence the tick).
    const ref = ((): WeakRef<object> => new WeakRef({ pixels: new Uint8Array(1 << 20) }))();
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc!();
    expect(ref.deref()).toBeUndefined();
  });
});
