import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createTokenizer } from "../../tokenizer/create.js";
import { blipTokenIds, captionPrefix } from "./blip-prompt.js";

const dir = new URL("../../../../../fixtures/models/tiny-blip/", import.meta.url);
const read = (path: string) => JSON.parse(readFileSync(new URL(path, dir), "utf8"));
const tokenizer = createTokenizer(read("tokenizer.json"), read("tokenizer_config.json"));
const text = (read("config.json") as { text_config: Record<string, unknown> }).text_config;

describe("BLIP prompt ids", () => {
  it("reads [DEC], [SEP] and [PAD] from text_config, agreeing with the tokenizer", () => {
    const ids = blipTokenIds(text, tokenizer, "config.json");
    expect(ids).toEqual({
      bos: tokenizer.tokenToId("[DEC]"),
      sep: tokenizer.tokenToId("[SEP]"),
      pad: tokenizer.tokenToId("[PAD]"),
    });
    // Without the config's ids the tokenizer's special tokens stand in.
    expect(blipTokenIds({}, tokenizer, "config.json")).toEqual(ids);
  });

  it("fails with MODEL_CONFIG_INVALID naming the field for an id outside the vocabulary", () => {
    expect(() =>
      blipTokenIds({ ...text, sep_token_id: tokenizer.vocabSize }, tokenizer, "x/config.json"),
    ).toThrow(
      expect.objectContaining({
        code: "MODEL_CONFIG_INVALID",
        message: expect.stringContaining("text_config.sep_token_id"),
      }),
    );
  });

  it("caption prefix: [CLS] prompt [SEP] → [DEC] prompt, as BlipForConditionalGeneration.generate", () => {
    const encoded = tokenizer.encode("a picture of", { truncation: false });
    expect(captionPrefix(encoded, 999)).toEqual([999, ...encoded.slice(1, -1)]);
    fc.assert(
      fc.property(fc.array(fc.nat(500), { minLength: 1, maxLength: 20 }), fc.nat(500), (ids, bos) => {
        const prefix = captionPrefix(ids, bos);
        expect(prefix[0]).toBe(bos);
        expect(prefix.length).toBe(Math.max(1, ids.length - 1));
        expect(prefix.slice(1)).toEqual(ids.slice(1, -1));
      }),
    );
  });
});
