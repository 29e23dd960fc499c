import { join } from "node:path";
import type { PixelData, VlmRequest } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { expectSamePixels, fixtures, readRef, readRefPixels } from "./golden-cases.js";
import { type GoldenRef, type GoldenRequest, generationGoldenTests, useVlmFixture } from "./golden-suite.js";

const dir = join(fixtures, "tiny-paligemma");

interface PaliRequestRef extends GoldenRequest {
  prompt: string;
}

interface PaliRef extends GoldenRef<PaliRequestRef> {
  pixel_values: Record<string, { offset: number; shape: number[] }>;
}

const ref = readRef<PaliRef>(dir);
const refPixels = readRefPixels(dir);

describe("PaliGemma (tiny PaliGemmaForConditionalGeneration fixture, Gemma2 text) against transformers", () => {
  const fx = useVlmFixture(dir, ref.images);
  // PaliGemma takes plain prompts; the references ran each through PaliGemmaProcessor as is.
  const request = (r: PaliRequestRef): VlmRequest => ({
    kind: "question",
    images: r.images.map((n) => fx.image(n)),
    question: r.prompt,
  });

  it("is detected as the paligemma family", () => {
    expect(fx.model.family).toBe("paligemma");
    expect(fx.model.kinds).toEqual(["caption", "question"]);
  });

  it("prepares like PaliGemmaProcessor: <image> × N + BOS + prompt + newline, SigLIP pixels", () => {
    for (const r of ref.requests) {
      const prepared = fx.model.prepare(request(r), 0);
      expect(prepared.ids, r.id).toEqual(r.input_ids);
      const px = prepared.data as PixelData;
      const per = px.pixels.length / r.images.length;
      r.images.forEach((name, k) => {
        const want = ref.pixel_values[name]!;
        expect(px.dims.slice(1), name).toEqual(want.shape);
        const got = px.pixels.subarray(k * per, (k + 1) * per);
        expectSamePixels(got, refPixels.subarray(want.offset, want.offset + per), `${r.id} ${name}`);
      });
    }
    const caption = ref.requests.find((r) => r.prompt === "caption en")!;
    expect(fx.model.prepare({ kind: "caption", images: request(caption).images }, 0).ids).toEqual(
      caption.input_ids,
    );
  });

  // Without the cache the generated tokens must stay causal (token_type_ids 1) for the same ids.
  generationGoldenTests(fx, ref, request, ", prefix-LM");

  it("rejects chat requests and requests without an image", () => {
    const image = fx.image(ref.requests[0]!.images[0]!);
    expect(() =>
      fx.model.prepare({ kind: "chat", images: [image], messages: [{ role: "user", content: "hi" }] }, 0),
    ).toThrow(expect.objectContaining({ code: "PROMPT_INVALID" }));
    expect(() => fx.model.prepare({ kind: "caption", images: [] }, 0)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});
