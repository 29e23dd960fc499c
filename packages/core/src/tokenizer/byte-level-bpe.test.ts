import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { createByteLevelBpeTokenizer, isByteLevelBpe } from "./byte-level-bpe.js";

const dir = new URL("../../../../fixtures/models/tiny-captioner/", import.meta.url);
const json = JSON.parse(readFileSync(new URL("tokenizer.json", dir), "utf8")) as Record<string, unknown>;
const config = JSON.parse(readFileSync(new URL("tokenizer_config.json", dir), "utf8")) as unknown;
// Written by tools/fixtures/vlm/build.py from transformers' GPT2Tokenizer on this file.
const golden = JSON.parse(readFileSync(new URL("tokenizer-golden.json", dir), "utf8")) as {
  text: string;
  ids: number[];
  decoded: string;
}[];

describe("createByteLevelBpeTokenizer", () => {
  const tok = createByteLevelBpeTokenizer(json, config);

  it("detects the layout", () => {
    expect(isByteLevelBpe(json)).toBe(true);
    expect(
      isByteLevelBpe({ ...json, model: { ...(json.model as object), end_of_word_suffix: "</w>" } }),
    ).toBe(false);
  });

  it("matches the Python reference ids and decodes", () => {
    for (const g of golden) {
      expect(tok.encode(g.text), g.text).toEqual(g.ids);
      expect(tok.decode(g.ids)).toBe(g.decoded);
    }
  });

  it('reads merges stored as "left right" strings and as [left, right] pairs (newer files)', () => {
    // The fixture holds one form; rewrite it in the other.
    const model = json.model as { merges: (string | string[])[] };
    const other = model.merges.map((m) => (Array.isArray(m) ? m.join(" ") : m.split(" ")));
    const t2 = createByteLevelBpeTokenizer({ ...json, model: { ...model, merges: other } }, config);
    for (const g of golden) expect(t2.encode(g.text)).toEqual(g.ids);
  });

  it("reads special tokens from tokenizer_config.json", () => {
    const eot = tok.tokenToId("<|endoftext|>");
    const added = json.added_tokens as { id: number; content: string }[];
    expect(eot).toBe(added.find((t) => t.content === "<|endoftext|>")!.id);
    expect(tok.eosTokenId).toBe(eot);
    expect(tok.bosTokenId).toBe(eot);
    expect(tok.padTokenId).toBe(eot);
    expect(tok.modelMaxLength).toBe(64);
    expect(tok.vocabSize).toBe(Object.keys((json.model as { vocab: object }).vocab).length);
    expect(tok.decode([eot!, ...tok.encode("hi")], { skipSpecialTokens: false })).toBe("<|endoftext|>hi");
  });

  it("round-trips any text without added tokens (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (s) => {
        fc.pre(!s.includes("<|endoftext|>") && !s.includes("<image>"));
        expect(tok.decode(tok.encode(s, { truncation: false }))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it("pads batches with the mask and truncates", () => {
    const b = tok.encodeBatch(["a red circle", "a"]);
    expect(b.inputIds[0]!.length).toBe(b.inputIds[1]!.length);
    expect(b.attentionMask[1]!.filter((x) => x === 1).length).toBe(tok.encode("a").length);
    expect(tok.encode("a b c d e f g", { maxLength: 3 })).toHaveLength(3);
  });

  it("rejects malformed files with TOKENIZER_INVALID naming the field", () => {
    const bad = (j: unknown, field: string) => {
      try {
        createByteLevelBpeTokenizer(j);
        expect.unreachable();
      } catch (e) {
        expect(isClipkitError(e, "TOKENIZER_INVALID")).toBe(true);
        expect((e as Error).message).toContain(field);
      }
    };
    bad({ ...json, model: { ...(json.model as object), merges: [1] } }, "model.merges[0]");
    bad({ ...json, model: { ...(json.model as object), type: "WordPiece" } }, "model.type");
    bad({ model: { type: "BPE", vocab: { a: "x" }, merges: [] } }, 'model.vocab["a"]');
    // transformers adds a config's special token the vocabulary lacks, with the next id.
    const nope = createByteLevelBpeTokenizer(json, { eos_token: "<nope>" });
    expect(nope.eosTokenId).toBe(nope.vocabSize - 1);
    expect(nope.encode("a<nope>", { addSpecialTokens: false }).at(-1)).toBe(nope.eosTokenId);
  });
});
