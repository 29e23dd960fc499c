import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { createTokenizer } from "./create.js";
import type { GoldenCase } from "./test-data.js";
import { testDataJson } from "./test-data.js";

// A SigLIP-style SentencePiece Unigram model trained by tools/fixtures/tokenizer/gen-unigram-fixture.py;
// reference ids come from the sentencepiece library itself.
const json = testDataJson<Record<string, unknown>>("unigram/tokenizer.json");
const config = testDataJson("unigram/tokenizer_config.json");
const reference = testDataJson<{ cases: GoldenCase[] }>("unigram/reference.json").cases;
const tokenizer = createTokenizer(json, config);

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return isClipkitError(error)
      ? `${error.code} ${String(error.details.field ?? error.details.argument)}`
      : "other";
  }
  return "none";
}

describe("Unigram tokenizer (SigLIP layout)", () => {
  it("reads the SigLIP conventions", () => {
    expect(tokenizer.kind).toBe("unigram");
    expect(tokenizer.vocabSize).toBe(1000);
    expect(tokenizer.modelMaxLength).toBe(64);
    expect(tokenizer.eosTokenId).toBe(1);
    expect(tokenizer.padTokenId).toBe(1);
    expect(tokenizer.bosTokenId).toBeUndefined();
    expect(tokenizer.tokenToId("</s>")).toBe(1);
  });

  it("agrees with sentencepiece on every reference text (byte fallback included)", () => {
    expect(reference.length).toBeGreaterThan(600);
    const mismatches = reference.filter(
      (c) => JSON.stringify(tokenizer.encode(c.text)) !== JSON.stringify(c.ids),
    );
    expect(mismatches.map((c) => c.text)).toEqual([]);
  });

  it("pads to max_length (64) with </s> by default and masks the padding", () => {
    const batch = tokenizer.encodeBatch(["a photo of a cat", "a dog"]);
    expect(batch.inputIds.map((r) => r.length)).toEqual([64, 64]);
    const real = batch.attentionMask[1]!.reduce((a, b) => a + b);
    expect(batch.inputIds[1]!.slice(0, real)).toEqual(tokenizer.encode("a dog"));
    expect(batch.inputIds[1]!.slice(real).every((id) => id === 1)).toBe(true);
    expect(
      tokenizer.encodeBatch(["a photo of a cat", "a dog"], { padding: "longest" }).inputIds[1],
    ).toHaveLength(tokenizer.encode("a photo of a cat").length);
  });

  it("truncates keeping </s> last and maps written special tokens to their ids", () => {
    const ids = tokenizer.encode("zebra ".repeat(100));
    expect(ids).toHaveLength(64);
    expect(ids.at(-1)).toBe(1);
    expect(tokenizer.encode("cat</s>dog", { addSpecialTokens: false })).toEqual([
      ...tokenizer.encode("cat", { addSpecialTokens: false }),
      1,
      ...tokenizer.encode("dog", { addSpecialTokens: false }),
    ]);
  });

  it('prepends "▁" only before the first segment with prepend_scheme "first"', () => {
    const first = createTokenizer(
      { ...json, pre_tokenizer: { ...(json.pre_tokenizer as object), prepend_scheme: "first" } },
      config,
    );
    const word = (text: string) => first.encode(text, { addSpecialTokens: false });
    const rest = createTokenizer(
      { ...json, pre_tokenizer: { ...(json.pre_tokenizer as object), prepend_scheme: "never" } },
      config,
    );
    const dogNoPrefix = rest.encode("dog", { addSpecialTokens: false });
    // Without the rule the second segment would start with "▁" and segment differently.
    expect(dogNoPrefix).not.toEqual(tokenizer.encode("dog", { addSpecialTokens: false }));
    expect(word("cat</s>dog")).toEqual([...word("cat"), 1, ...dogNoPrefix]);
  });

  it("decodes back to the normalized text, bytes included (property)", () => {
    const text = fc.stringMatching(/^[a-z0-9äöüß日本 ]{0,40}$/);
    fc.assert(
      fc.property(text, (t) => {
        const normalized = t.replace(/\s+/g, " ").trim();
        expect(tokenizer.decode(tokenizer.encode(t, { truncation: false }))).toBe(normalized);
      }),
      { numRuns: 300 },
    );
  });

  it("never exceeds maxLength and always ends with </s> (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 1, max: 80 }), (text, maxLength) => {
        const ids = tokenizer.encode(text, { maxLength });
        expect(ids.length).toBeLessThanOrEqual(maxLength);
        expect(ids.at(-1)).toBe(1);
        expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < tokenizer.vocabSize)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("names the field at fault in malformed files", () => {
    const model = json.model as Record<string, unknown>;
    expect(codeOf(() => createTokenizer({ ...json, model: { ...model, vocab: undefined } }))).toBe(
      "TOKENIZER_INVALID model.vocab",
    );
    expect(codeOf(() => createTokenizer({ ...json, model: { ...model, vocab: [["a", "x"]] } }))).toBe(
      "TOKENIZER_INVALID model.vocab[0]",
    );
    expect(codeOf(() => createTokenizer({ ...json, model: { ...model, unk_id: 5000 } }))).toBe(
      "TOKENIZER_INVALID model.unk_id",
    );
    expect(codeOf(() => createTokenizer({ ...json, pre_tokenizer: { type: "Magic" } }))).toBe(
      "TOKENIZER_INVALID pre_tokenizer.type",
    );
  });
});

// A T5-style model whose normalizer is SentencePiece's compiled nmt_nfkc charsmap (Precompiled),
// without byte fallback; reference ids are sentencepiece's own, from the raw text.
describe("Unigram tokenizer with a Precompiled (nmt_nfkc) normalizer", () => {
  const nfkc = createTokenizer(
    testDataJson("unigram-nfkc/tokenizer.json"),
    testDataJson("unigram-nfkc/tokenizer_config.json"),
  );
  const cases = testDataJson<{ cases: GoldenCase[] }>("unigram-nfkc/reference.json").cases;

  it("agrees with sentencepiece on every reference text (NFKC rules and <unk> included)", () => {
    expect(cases.filter((c) => c.ids.includes(2)).length).toBeGreaterThan(10);
    const mismatches = cases.filter((c) => JSON.stringify(nfkc.encode(c.text)) !== JSON.stringify(c.ids));
    expect(mismatches.map((c) => c.text)).toEqual([]);
  });

  it("fuses consecutive unknown characters into one <unk>", () => {
    expect(nfkc.encode("日本語", { addSpecialTokens: false })).toEqual([3, 2]);
  });

  it("rejects a charsmap that is not a compiled SentencePiece table", () => {
    const bad = testDataJson<Record<string, unknown>>("unigram-nfkc/tokenizer.json");
    const normalizer = { type: "Precompiled", precompiled_charsmap: "AAAA" };
    expect(codeOf(() => createTokenizer({ ...bad, normalizer }))).toBe(
      "TOKENIZER_INVALID normalizer.precompiled_charsmap",
    );
  });
});
