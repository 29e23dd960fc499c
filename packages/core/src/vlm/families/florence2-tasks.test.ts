import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  dequantizeLocation,
  FLORENCE2_TASKS,
  florence2Prompt,
  florence2PromptFromText,
  LOCATION_BINS,
  parseFlorence2Answer,
  parseFlorence2Config,
  quantizeLocation,
} from "./florence2-tasks.js";

// Written by tools/fixtures/florence2/build.py from transformers' Florence2Processor.
const dir = new URL("../../../../../fixtures/models/tiny-florence2/", import.meta.url);
const ref = JSON.parse(readFileSync(new URL("reference.json", dir), "utf8")) as {
  bins: { size: [number, number]; x: number[]; y: number[]; points: number[][]; quantized: number[][] }[];
  postprocess: { task: string; text: string; image_size: [number, number]; result: unknown }[];
  prompts: { input: string; prompt: string }[];
};
const processorConfig = JSON.parse(readFileSync(new URL("processor_config.json", dir), "utf8")) as {
  post_processor_config: unknown;
};
const config = parseFlorence2Config(processorConfig.post_processor_config);

describe("Florence-2 location tokens", () => {
  it("dequantizes every bin and quantizes sample points exactly as transformers", () => {
    for (const t of ref.bins) {
      const [w, h] = t.size;
      const bins = Array.from({ length: LOCATION_BINS }, (_, b) => b);
      expect(
        bins.map((b) => dequantizeLocation(b, w)),
        `x ${w}`,
      ).toEqual(t.x);
      expect(
        bins.map((b) => dequantizeLocation(b, h)),
        `y ${h}`,
      ).toEqual(t.y);
      expect(t.points.map(([x, y]) => [quantizeLocation(x!, w), quantizeLocation(y!, h)])).toEqual(
        t.quantized,
      );
    }
  });

  it("round-trips: a pixel comes back within one bin, a bin maps back to itself when bins span ≥ 2 px", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (size, t) => {
          const v = Math.fround(t * size);
          const q = quantizeLocation(v, size);
          expect(q).toBeGreaterThanOrEqual(0);
          expect(q).toBeLessThan(LOCATION_BINS);
          const back = dequantizeLocation(q, size);
          expect(back).toBeGreaterThanOrEqual(0);
          expect(back).toBeLessThanOrEqual(size);
          expect(Math.abs(back - v)).toBeLessThanOrEqual(size / LOCATION_BINS + 1);
        },
      ),
    );
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 100000 }), fc.integer({ min: 0, max: 999 }), (size, bin) => {
        expect(quantizeLocation(dequantizeLocation(bin, size), size)).toBe(bin);
      }),
    );
  });

  it("quantizes monotonically", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (size, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(quantizeLocation(lo * size, size)).toBeLessThanOrEqual(quantizeLocation(hi * size, size));
        },
      ),
    );
  });
});

describe("Florence-2 prompts and answers", () => {
  it("builds each task's prompt as Florence2Processor._construct_prompts", () => {
    for (const c of ref.prompts) {
      const task = Object.keys(FLORENCE2_TASKS).find((t) => c.input.startsWith(t));
      if (task === undefined) continue; // a plain prompt passes through unchanged
      expect(florence2Prompt(task, c.input.slice(task.length)), c.input).toBe(c.prompt);
    }
  });

  it("reads free-form prompts as _construct_prompts: task tokens expanded, plain text unchanged", () => {
    for (const c of ref.prompts) expect(florence2PromptFromText(c.input).prompt, c.input).toBe(c.prompt);
    expect(florence2PromptFromText("<OD>").task).toBe("<OD>");
    expect(florence2PromptFromText("a plain prompt").task).toBeUndefined();
    expect(() => florence2PromptFromText("<OD> please")).toThrow(/only content/);
  });

  it("rejects unknown tasks, missing and unexpected inputs", () => {
    expect(() => florence2Prompt("<NOPE>", undefined)).toThrow(/unknown Florence-2 task/);
    expect(() => florence2Prompt("<CAPTION_TO_PHRASE_GROUNDING>", "  ")).toThrow(/needs a text input/);
    expect(() => florence2Prompt("<OD>", "a car")).toThrow(/takes no text input/);
  });

  it("parses answers as post_process_generation: text, boxes, grounding, OCR quads", () => {
    for (const c of ref.postprocess) {
      expect(
        parseFlorence2Answer(c.text, c.task, c.image_size, config),
        `${c.task} ${c.text} ${c.image_size}`,
      ).toEqual(c.result);
    }
  });
});
