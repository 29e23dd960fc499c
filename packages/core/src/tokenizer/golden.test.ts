import fc from "fast-check";
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

describe("tokenizer.json pipeline properties", () => {
  const byteLevel = ["gpt2", "qwen2"].map((kind) => {
    const { json, config } = tokenizerFixture(kind);
    return createTokenizer(json, config);
  });

  it("byte-level BPE decodes any text back exactly, up to its NFC normalizer (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (text) => {
        fc.pre(!/<\|endoftext\|>|<image>|foo|bar|Ünï/u.test(text));
        const [gpt2, qwen2] = byteLevel;
        expect(gpt2!.decode(gpt2!.encode(text, { truncation: false }))).toBe(text);
        expect(qwen2!.decode(qwen2!.encode(text, { truncation: false }))).toBe(text.normalize("NFC"));
      }),
      { numRuns: 300 },
    );
  });

  it("every kind gives in-vocabulary ids within maxLength for any text (property)", () => {
    const all = GOLDEN_KINDS.map((kind) => {
      const { json, config } = tokenizerFixture(kind);
      return createTokenizer(json, config);
    });
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 120 }),
        fc.integer({ min: 4, max: 40 }),
        (text, maxLength) => {
          for (const tokenizer of all) {
            const ids = tokenizer.encode(text, { maxLength });
            expect(ids.length).toBeLessThanOrEqual(maxLength);
            expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < tokenizer.vocabSize)).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
