import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LruCache } from "./lru.js";

describe("LruCache", () => {
  it("keeps recently used entries and stays bounded", () => {
    const cache = new LruCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3); // a, b become the old generation
    expect(cache.get("a")).toBe(1); // promoted
    cache.set("d", 4); // young {c, a} full → old; young {d}
    cache.set("e", 5);
    cache.set("f", 6); // young {d, e} → old; {c, a} dropped
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("c")).toBeUndefined();
    expect(cache.get("d")).toBe(4);
    expect(cache.size).toBeLessThanOrEqual(4);
  });

  it("never returns a wrong value and never exceeds 2 × capacity (property)", () => {
    const op = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 30 }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.array(op, { maxLength: 200 }), (capacity, ops) => {
        const cache = new LruCache<number, number>(capacity);
        for (const [isSet, key] of ops) {
          if (isSet) cache.set(key, key * 10);
          else {
            const value = cache.get(key);
            if (value !== undefined) expect(value).toBe(key * 10);
          }
          expect(cache.size).toBeLessThanOrEqual(2 * capacity);
        }
        if (capacity === 0) expect(cache.size).toBe(0);
      }),
    );
  });
});
