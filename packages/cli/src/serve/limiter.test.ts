import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LimitError, Limiter } from "./limiter.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("Limiter", () => {
  it("never runs more than maxConcurrency jobs; admits exactly concurrency + queue, refuses the rest", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 12 }),
        async (conc, queue, jobs) => {
          const limiter = new Limiter({ maxConcurrency: conc, maxQueue: queue, timeoutMs: 60_000 });
          let running = 0;
          let peak = 0;
          const gates: (() => void)[] = [];
          const results = Array.from({ length: jobs }, () =>
            limiter
              .run(async () => {
                running += 1;
                peak = Math.max(peak, running);
                await new Promise<void>((resolve) => gates.push(resolve));
                running -= 1;
                return "done";
              })
              .catch((e: unknown) => (e instanceof LimitError ? e.reason : "other")),
          );
          await tick();
          expect([limiter.running, limiter.queued]).toEqual([
            Math.min(jobs, conc),
            Math.min(Math.max(jobs - conc, 0), queue),
          ]);
          while (gates.length > 0 || limiter.running > 0) {
            gates.shift()?.();
            await tick();
          }
          const out = await Promise.all(results);
          const admitted = Math.min(jobs, conc + queue);
          expect(out.filter((r) => r === "done")).toHaveLength(admitted);
          expect(out.filter((r) => r === "OVERLOADED")).toHaveLength(jobs - admitted);
          expect(peak).toBeLessThanOrEqual(conc);
          await limiter.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a job timed out in the queue never starts; close() waits for running jobs and refuses new ones", async () => {
    const limiter = new Limiter({ maxConcurrency: 1, maxQueue: 1, timeoutMs: 30 });
    let release!: () => void;
    const first = limiter.run(() => new Promise<string>((resolve) => (release = () => resolve("first"))));
    const firstOutcome = first.catch((e: unknown) => e);
    let started = false;
    const second = limiter.run(async () => {
      started = true;
    });
    await expect(second).rejects.toMatchObject({ reason: "TIMEOUT" });
    expect(limiter.queued).toBe(0);
    expect(await firstOutcome).toMatchObject({ reason: "TIMEOUT" }); // answered, still running
    expect(limiter.running).toBe(1);
    let closed = false;
    const closing = limiter.close().then(() => (closed = true));
    await expect(limiter.run(async () => 1)).rejects.toMatchObject({ reason: "SHUTTING_DOWN" });
    await tick();
    expect(closed).toBe(false);
    release();
    await closing;
    expect([started, limiter.running]).toEqual([false, 0]);
  });

  it("rejects non-integer or non-positive settings", () => {
    expect(() => new Limiter({ maxConcurrency: 0, maxQueue: 1, timeoutMs: 1 })).toThrow(/maxConcurrency/);
    expect(() => new Limiter({ maxConcurrency: 1, maxQueue: -1, timeoutMs: 1 })).toThrow(/maxQueue/);
    expect(() => new Limiter({ maxConcurrency: 1, maxQueue: 0, timeoutMs: 1.5 })).toThrow(/timeoutMs/);
  });
});
