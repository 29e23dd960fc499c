import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type GridThw, mropePositions } from "./qwen2-vl-rope.js";

const IMAGE = 9;
const o = { imageTokenId: IMAGE, mergeSize: 2 };

/** A prompt of text runs (ids 0–8) and images (grids in patches, sides multiples of 2). */
const prompt = fc
  .array(
    fc.oneof(
      fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 5 }).map((text) => ({ text })),
      fc
        .tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
        .map(([t, h, w]) => ({ grid: [t, 2 * h, 2 * w] as GridThw })),
    ),
    { maxLength: 6 },
  )
  .map((parts) => {
    const ids: number[] = [];
    const grids: GridThw[] = [];
    for (const p of parts) {
      if ("text" in p) ids.push(...p.text);
      else {
        grids.push(p.grid);
        ids.push(...new Array<number>((p.grid[0] * p.grid[1] * p.grid[2]) / 4).fill(IMAGE));
      }
    }
    return { ids, grids };
  });

describe("mropePositions (Qwen2-VL get_rope_index)", () => {
  it("counts text up on all three channels", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 30 }), (ids) => {
        const { positions, next } = mropePositions(ids, [], o);
        const expected = ids.map((_, i) => i);
        expect(positions).toEqual([expected, expected, expected]);
        expect(next).toBe(ids.length);
      }),
    );
  });

  it("gives each image its grid offset by its start, and text resumes after the largest position", () => {
    fc.assert(
      fc.property(prompt, ({ ids, grids }) => {
        const { positions, next } = mropePositions(ids, grids, o);
        const [t, h, w] = positions;
        expect([t.length, h.length, w.length]).toEqual([ids.length, ids.length, ids.length]);
        const all = [...t, ...h, ...w];
        expect(next).toBe(all.length === 0 ? 0 : Math.max(...all) + 1);
        // Positions never decrease along the text, and every channel stays within [start, start + side).
        let lastText = -1;
        ids.forEach((id, i) => {
          if (id !== IMAGE) {
            expect(t[i]).toBe(h[i]);
            expect(t[i]).toBe(w[i]);
            expect(t[i]!).toBeGreaterThan(lastText);
            lastText = t[i]!;
          }
        });
      }),
    );
  });

  it("lays out a 1 × 4 × 6 grid (2 × 3 merged) as transformers does", () => {
    const ids = [1, IMAGE, IMAGE, IMAGE, IMAGE, IMAGE, IMAGE, 2];
    const { positions, next } = mropePositions(ids, [[1, 4, 6]], o);
    expect(positions).toEqual([
      [0, 1, 1, 1, 1, 1, 1, 4],
      [0, 1, 1, 1, 2, 2, 2, 4],
      [0, 1, 2, 3, 1, 2, 3, 4],
    ]);
    expect(next).toBe(5);
  });

  it("rejects placeholder runs that do not match the grids", () => {
    expect(() => mropePositions([IMAGE, IMAGE], [[1, 4, 6]], o)).toThrow(
      expect.objectContaining({ code: "PROMPT_INVALID" }),
    );
    expect(() => mropePositions([1, 2], [[1, 2, 2]], o)).toThrow(
      expect.objectContaining({ code: "PROMPT_INVALID" }),
    );
    expect(() => mropePositions([IMAGE], [], o)).toThrow(expect.objectContaining({ code: "PROMPT_INVALID" }));
  });
});
