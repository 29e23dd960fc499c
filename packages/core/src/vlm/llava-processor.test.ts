import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { expandImageTokens, llavaImageTokens } from "./llava-processor.js";

const size = { height: 336, width: 336 };

describe("llavaImageTokens (LlavaProcessor's num_image_tokens)", () => {
  it("llava-1.5: 336/14 squared patches + CLS, minus CLS for the default strategy = 576", () => {
    const t = llavaImageTokens(
      { patch_size: 14, num_additional_image_tokens: 1, vision_feature_select_strategy: "default" },
      {},
      size,
      undefined,
      "f",
    );
    expect(t).toEqual({ count: 576, source: "processor", imageToken: "<image>" });
  });
  it("'full' keeps the CLS row; the strategy falls back to config.json; image_token is read", () => {
    const proc = { patch_size: 14, num_additional_image_tokens: 1, image_token: "<img>" };
    expect(
      llavaImageTokens(proc, { vision_feature_select_strategy: "full" }, size, undefined, "f").count,
    ).toBe(577);
    expect(
      llavaImageTokens(proc, { vision_feature_select_strategy: "default" }, size, undefined, "f"),
    ).toEqual({
      count: 576,
      source: "processor",
      imageToken: "<img>",
    });
  });
  it("falls back to image_seq_length, then the vision encoder's rows, else MODEL_CONFIG_INVALID", () => {
    expect(llavaImageTokens({}, { image_seq_length: 576 }, size, 10, "f")).toMatchObject({
      count: 576,
      source: "image_seq_length",
    });
    expect(llavaImageTokens(undefined, {}, size, 10, "f")).toMatchObject({
      count: 10,
      source: "vision_encoder",
    });
    try {
      llavaImageTokens({}, {}, size, undefined, "dir/processor_config.json");
      expect.unreachable();
    } catch (e) {
      expect(isClipkitError(e, "MODEL_CONFIG_INVALID")).toBe(true);
      expect((e as Error).message).toContain("dir/processor_config.json");
    }
  });
  it("matches the formula for any patch grid", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 32 }),
        (h, w, p) => {
          const count = Math.floor(h / p) * Math.floor(w / p) + 1;
          if (count - 1 < 1) return;
          const t = llavaImageTokens(
            { patch_size: p, num_additional_image_tokens: 1, vision_feature_select_strategy: "default" },
            {},
            { height: h, width: w },
            undefined,
            "f",
          );
          expect(t.count).toBe(count - 1);
        },
      ),
    );
  });
});

describe("expandImageTokens", () => {
  it("repeats every placeholder, in place", () => {
    expect(expandImageTokens("USER: <image>\n<image>\nHi", "<image>", 3, 2, "p")).toBe(
      "USER: <image><image><image>\n<image><image><image>\nHi",
    );
  });
  it("rejects a prompt whose placeholders do not match the images", () => {
    for (const [prompt, images] of [
      ["no image here", 1],
      ["<image><image>", 1],
      ["<image>", 0],
    ] as const) {
      try {
        expandImageTokens(prompt, "<image>", 2, images, "messages");
        expect.unreachable();
      } catch (e) {
        expect(isClipkitError(e, "PROMPT_INVALID")).toBe(true);
      }
    }
  });
});
