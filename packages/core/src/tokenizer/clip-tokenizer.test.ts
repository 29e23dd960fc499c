import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { createClipTokenizerFromMerges, gunzipText } from "./clip-merges.js";
import { clipGoldenCases, clipMergesText } from "./test-data.js";

const tokenizer = createClipTokenizerFromMerges(clipMergesText());

describe("CLIP BPE tokenizer (raw merges)", () => {
  it("has openai/CLIP's vocabulary layout", () => {
    expect(tokenizer.vocabSize).toBe(49_408);
    expect(tokenizer.bosTokenId).toBe(49_406);
    expect(tokenizer.eosTokenId).toBe(49_407);
    expect(tokenizer.padTokenId).toBe(49_407);
    expect(tokenizer.modelMaxLength).toBe(77);
    expect(tokenizer.tokenToId("a</w>")).toBe(320);
    expect(tokenizer.tokenToId("!")).toBe(0);
    expect(tokenizer.tokenToId("not-a-token")).toBeUndefined();
  });

  it("agrees with openai/CLIP on every golden text (ftfy cases included)", () => {
    const cases = clipGoldenCases();
    expect(cases.length).toBe(2556);
    const mismatches = cases.filter(
      (c) => JSON.stringify(tokenizer.encode(c.text)) !== JSON.stringify(c.ids),
    );
    expect(mismatches.map((c) => c.text)).toEqual([]);
  });

  it("keeps <|endoftext|> last when truncating", () => {
    const ids = tokenizer.encode("word ".repeat(200));
    expect(ids).toHaveLength(77);
    expect(ids[0]).toBe(49_406);
    expect(ids[76]).toBe(49_407);
    expect(tokenizer.encode("a photo of a cat", { maxLength: 4 })).toEqual([49_406, 320, 1125, 49_407]);
  });

  it("can leave out special tokens and truncation", () => {
    expect(tokenizer.encode("a photo", { addSpecialTokens: false })).toEqual([320, 1125]);
    expect(tokenizer.encode("word ".repeat(100), { truncation: false })).toHaveLength(102);
    expect(tokenizer.encode("word ".repeat(100), { addSpecialTokens: false, maxLength: 5 })).toHaveLength(5);
  });

  it("pads batches to the longest row with <|endoftext|> and masks the padding", () => {
    const batch = tokenizer.encodeBatch(["a photo of a cat", "a dog"]);
    expect(batch.inputIds).toEqual([
      [49_406, 320, 1125, 539, 320, 2368, 49_407],
      [49_406, 320, 1929, 49_407, 49_407, 49_407, 49_407],
    ]);
    expect(batch.attentionMask).toEqual([
      [1, 1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 0, 0, 0],
    ]);
    const fixed = tokenizer.encodeBatch(["a dog"], { padding: "max_length" });
    expect(fixed.inputIds[0]).toHaveLength(77);
    expect(fixed.attentionMask[0]!.reduce((a, b) => a + b)).toBe(4);
    expect(tokenizer.encodeBatch(["a dog", "a photo of a cat"], { padding: false }).inputIds[0]).toHaveLength(
      4,
    );
  });

  it("decodes back to the cleaned text", () => {
    expect(tokenizer.decode(tokenizer.encode("A Photo of a CAT!"))).toBe("a photo of a cat !");
    expect(tokenizer.decode(tokenizer.encode("日本語 🐶"))).toBe("日本語 🐶");
    expect(tokenizer.decode([49_406, 320, 49_407], { skipSpecialTokens: false })).toBe(
      "<|startoftext|>a <|endoftext|>",
    );
  });

  it("round-trips lowercase ASCII words (property)", () => {
    const word = fc.stringMatching(/^[a-z]{1,12}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 20 }), (words) => {
        const text = words.join(" ");
        expect(tokenizer.decode(tokenizer.encode(text, { truncation: false }))).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it("never exceeds maxLength and always ends with EOT (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.integer({ min: 2, max: 100 }), (text, maxLength) => {
        const ids = tokenizer.encode(text, { maxLength });
        expect(ids.length).toBeLessThanOrEqual(maxLength);
        expect(ids[0]).toBe(49_406);
        expect(ids.at(-1)).toBe(49_407);
        expect(ids.slice(1, -1).every((id) => id >= 0 && id < 49_406)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("gives the same ids with and without its word cache", () => {
    const uncached = createClipTokenizerFromMerges(clipMergesText(), { cacheSize: 0 });
    const tiny = createClipTokenizerFromMerges(clipMergesText(), { cacheSize: 3 });
    for (const c of clipGoldenCases().slice(0, 300)) {
      expect(uncached.encode(c.text)).toEqual(c.ids);
      expect(tiny.encode(c.text)).toEqual(c.ids);
    }
  });

  it("gunzips the merges file with DecompressionStream", async () => {
    const text = clipMergesText().slice(0, 50_000);
    expect(await gunzipText(gzipSync(Buffer.from(text, "utf8")))).toBe(text);
  });

  it("rejects bad arguments with ClipkitError codes", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return isClipkitError(error) ? error.code : "other";
      }
      return "none";
    };
    expect(code(() => tokenizer.encode(42 as unknown as string))).toBe("INVALID_ARGUMENT");
    expect(code(() => tokenizer.encode("a", { maxLength: 0 }))).toBe("INVALID_ARGUMENT");
    expect(code(() => tokenizer.encode("a", { maxLength: 1 }))).toBe("INVALID_ARGUMENT");
    expect(code(() => tokenizer.encodeBatch(["a", null as unknown as string]))).toBe("INVALID_ARGUMENT");
    expect(code(() => tokenizer.decode([99_999]))).toBe("INVALID_ARGUMENT");
    expect(code(() => createClipTokenizerFromMerges("#version\nbroken-line"))).toBe("TOKENIZER_INVALID");
  });
});
