import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { MemoryBudget } from "./budget.js";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("MemoryBudget", () => {
  it("rejects a non-positive limit", () => {
    expect(() => new MemoryBudget(0)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    try {
      new MemoryBudget(Number.NaN);
    } catch (e) {
      expect(isClipkitError(e, "INVALID_ARGUMENT")).toBe(true);
    }
  });

  it("makes a second request wait until the first releases", async () => {
    const budget = new MemoryBudget(100);
    const a = await budget.acquire(80);
    let granted = false;
    const b = budget.acquire(30).then((lease) => {
      granted = true;
      return lease;
    });
    await tick();
    expect([granted, budget.used]).toEqual([false, 80]);
    a.release();
    a.release(); // idempotent
    const lease = await b;
    expect([granted, budget.used, lease.bytes]).toEqual([true, 30, 30]);
    lease.release();
    expect(budget.used).toBe(0);
  });

  it("runs a request larger than the budget alone", async () => {
    const budget = new MemoryBudget(100);
    const big = await budget.acquire(500);
    expect(budget.used).toBe(500);
    let small = false;
    const next = budget.acquire(1).then((l) => {
      small = true;
      return l;
    });
    await tick();
    expect(small).toBe(false);
    big.release();
    (await next).release();
    expect(small).toBe(true);
  });

  it("lets the oldest lease grow past the limit, so growing leases never deadlock", async () => {
    const budget = new MemoryBudget(100);
    const a = await budget.acquire(10);
    const b = await budget.acquire(10);
    const order: string[] = [];
    const growB = b.grow(90).then(() => order.push("b"));
    const growA = a.grow(90).then(() => order.push("a"));
    await growA;
    expect(order).toEqual(["a"]);
    a.release();
    await growB;
    expect(order).toEqual(["a", "b"]);
    b.release();
    expect(budget.used).toBe(0);
  });

  it("holds at most the limit plus the one oldest (largest-grown) image (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 150 }), fc.integer({ min: 0, max: 150 })), {
          minLength: 1,
          maxLength: 12,
        }),
        async (limit, jobs) => {
          const budget = new MemoryBudget(limit);
          const active = new Set<{ readonly bytes: number }>();
          let worst = 0;
          const check = () => {
            const largest = Math.max(0, ...[...active].map((l) => l.bytes));
            worst = Math.max(worst, budget.used - largest - limit);
          };
          await Promise.all(
            jobs.map(async ([first, more]) => {
              const lease = await budget.acquire(first);
              active.add(lease);
              check();
              await tick();
              await lease.grow(more);
              check();
              await tick();
              active.delete(lease);
              lease.release();
            }),
          );
          expect(worst).toBeLessThanOrEqual(0);
          expect(budget.used).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
