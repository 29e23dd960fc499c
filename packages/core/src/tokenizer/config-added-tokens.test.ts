import { describe, expect, it } from "vitest";
import { createTokenizer } from "./create.js";
import { testDataJson, tokenizerFixture } from "./test-data.js";

// Golden outputs of transformers 5.17's AutoTokenizer.from_pretrained on folders whose
// tokenizer_config.json names special tokens that tokenizer.json's added_tokens lacks
// (tools/fixtures/tokenizer/gen-config-specials.py).
interface ConfigGolden {
  base: string;
  addedTokens: Array<{ id: number; content: string; special: boolean }>;
  texts: string[];
  ids: number[][];
  idsNoSpecial: number[][];
  decodedSkip: string[];
  decodedKeep: string[];
}

const CASES = [
  "clip-pad-bang",
  "bert-vocab-extras",
  "gpt2-new-tokens",
  "roberta-model-tokens",
  "roberta-decoder-block",
];

describe.each(CASES)("%s: config special tokens vs transformers", (name) => {
  const golden = testDataJson<ConfigGolden>(`tokenizers-config/${name}/golden.json`);
  const config = testDataJson(`tokenizers-config/${name}/tokenizer_config.json`);
  const tokenizer = createTokenizer(tokenizerFixture(golden.base).json, config);
  const rows = golden.texts.map((text, i) => ({ i, text }));

  it("knows transformers' added tokens by content and id", () => {
    expect(golden.texts.length).toBe(50);
    for (const token of golden.addedTokens)
      expect([token.content, tokenizer.tokenToId(token.content)]).toEqual([token.content, token.id]);
  });

  it("encodes every text to transformers' ids, with and without special tokens", () => {
    const wrong = rows.filter(
      ({ i, text }) =>
        JSON.stringify(tokenizer.encode(text, { truncation: false })) !== JSON.stringify(golden.ids[i]) ||
        JSON.stringify(tokenizer.encode(text, { truncation: false, addSpecialTokens: false })) !==
          JSON.stringify(golden.idsNoSpecial[i]),
    );
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it("decodes transformers' ids as it does, skipping special tokens or not", () => {
    const wrong = rows
      .map(({ i }) => ({
        i,
        skip: tokenizer.decode(golden.ids[i]!, { skipSpecialTokens: true }),
        keep: tokenizer.decode(golden.ids[i]!, { skipSpecialTokens: false }),
        wantSkip: golden.decodedSkip[i],
        wantKeep: golden.decodedKeep[i],
      }))
      .filter((c) => c.skip !== c.wantSkip || c.keep !== c.wantKeep);
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});
