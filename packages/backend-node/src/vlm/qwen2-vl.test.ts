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

const dir = join(fixtures, "tiny-qwen2vl");

// The references were made by Qwen2VLProcessor.apply_chat_template + generate() on these messages.
interface QwenRequestRef extends ChatGoldenRequest {
  text: string;
  image_grid_thw: [number, number, number][];
  position_ids: [number[], number[], number[]];
  rope_delta: number;
}

interface QwenRef extends GoldenRef<QwenRequestRef> {
  pixel_values: Record<string, { offset: number; shape: [number, number] }>;
}

/** What the qwen2_vl family keeps in `PreparedRequest.data` (core's Qwen2VLInputs). */
interface Qwen2VLInputs {
  patches: { data: Float32Array; rows: number; rowLength: number; gridThw: [number, number, number] }[];
  positions: [number[], number[], number[]];
  next: number;
}

const ref = readRef<QwenRef>(dir);
const refPixels = readRefPixels(dir);

describe("Qwen2-VL (tiny Qwen2VLForConditionalGeneration fixture) against transformers", () => {
  const fx = useVlmFixture(dir, ref.images);

  it("is detected as the qwen2_vl family", () => {
    expect(fx.model.family).toBe("qwen2_vl");
    expect(fx.model.kinds).toEqual(["caption", "question", "chat"]);
  });

  it("prepares like Qwen2VLProcessor: input_ids, pixel_values, image_grid_thw, get_rope_index", () => {
    for (const r of ref.requests) {
      const prepared = fx.model.prepare(chatOf(fx, r), 0);
      const data = prepared.data as Qwen2VLInputs;
      expect(prepared.ids, r.id).toEqual(r.input_ids);
      expect(
        data.patches.map((p) => p.gridThw),
        r.id,
      ).toEqual(r.image_grid_thw);
      r.images.forEach((name, k) => {
        const { offset, shape } = ref.pixel_values[name]!;
        const got = data.patches[k]!;
        expect([got.rows, got.rowLength], `${r.id} ${name}`).toEqual(shape);
        expectSamePixels(
          got.data,
          refPixels.subarray(offset, offset + shape[0] * shape[1]),
          `${r.id} ${name}`,
        );
      });
      expect(data.positions, r.id).toEqual(r.position_ids);
      expect(data.next - r.input_ids.length, r.id).toBe(r.rope_delta);
    }
  });

  chatFamilyGoldenTests(fx, ref);
});
