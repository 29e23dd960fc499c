import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectSamePixels, fixtures, readRef, readRefPixels } from "./golden-cases.js";
import {
  type ChatGoldenRequest,
  chatFamilyGoldenTests,
  chatOf,
  type GoldenRef,
  useVlmFixture,
} from "./golden-suite.js";

const dir = join(fixtures, "tiny-smolvlm");

// Idefics3Processor.apply_chat_template + generate() ran on these messages.
interface SmolRequestRef extends ChatGoldenRequest {
  text: string;
}

interface SmolRef extends GoldenRef<SmolRequestRef> {
  pixel_values: Record<string, { offset: number; shape: number[]; rows: number; cols: number }>;
}

/** What the idefics3 family keeps in `PreparedRequest.data` (core's Idefics3Inputs). */
interface Idefics3Inputs {
  frames: { data: Float32Array; count: number; size: number; rows: number; cols: number }[];
}

const ref = readRef<SmolRef>(dir);
const refPixels = readRefPixels(dir);

describe("SmolVLM / Idefics3 (tiny Idefics3ForConditionalGeneration fixture) against transformers", () => {
  const fx = useVlmFixture(dir, ref.images);

  it("is detected as the idefics3 family", () => {
    expect(fx.model.family).toBe("idefics3");
  });

  it("prepares like Idefics3Processor: tiles + global image, rows/cols, expanded input_ids", () => {
    for (const r of ref.requests) {
      const prepared = fx.model.prepare(chatOf(fx, r), 0);
      expect(prepared.ids, r.id).toEqual(r.input_ids);
      const data = prepared.data as Idefics3Inputs;
      r.images.forEach((name, k) => {
        const want = ref.pixel_values[name]!;
        const got = data.frames[k]!;
        expect([got.count, 3, got.size, got.size], `${r.id} ${name}`).toEqual(want.shape);
        expect([got.rows, got.cols], `${r.id} ${name}`).toEqual([want.rows, want.cols]);
        const expected = refPixels.subarray(want.offset, want.offset + got.data.length);
        expectSamePixels(got.data, expected, `${r.id} ${name}`);
      });
    }
  });

  chatFamilyGoldenTests(fx, ref);
});
