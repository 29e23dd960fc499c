import { describe, expect, it } from "vitest";
import { createTokenizer } from "./create.js";
import { GOLDEN_KINDS, goldenTexts, tokenizerFixture } from "./test-data.js";

// Golden ids, decodes and padded batches from transformers 5.17 / tokenizers 0.23 (see
// tools/fixtures/tokenizer/gen-golden.py); every text must agree exactly.
const texts = goldenTexts();

describe.each(GOLDEN_KINDS)("%s tokenizer.json vs transformers", (kind) => {
  const { json, config, golden } = tokenizerFixture(kind);
  const tokenizer = createTokenizer(json, config);

  it(`encodes all ${texts.length} golden texts to transformers' ids`, () => {
    expect(texts.length).toBeGreaterThanOrEqual(2000);
    const wrong = texts
      .map((text, i) => ({
        i,
        text,
        ours: tokenizer.encode(text, { maxLength: golden.maxLength }),
        want: golden.ids[i]!,
      }))
      .filter((c) => JSON.stringify(c.ours) !== JSON.stringify(c.want));
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(wrong.length).toBe(0);
  });

  it("decodes the golden ids to transformers' text", () => {
    const wrong = golden.ids
      .map((ids, i) => ({ i, ours: tokenizer.decode(ids), want: golden.decoded[i]! }))
      .filter((c) => c.ours !== c.want);
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it("pads batches (longest and max_length) with transformers' ids and attention masks", () => {
    for (const batch of golden.batches) {
      const ours = tokenizer.encodeBatch(texts.slice(batch.start, batch.start + golden.batchSize), {
        padding: batch.padding,
        maxLength: golden.maxLength,
      });
      expect(ours.inputIds).toEqual(batch.input_ids);
      expect(ours.attentionMask).toEqual(batch.attention_mask);
    }
  });
});
