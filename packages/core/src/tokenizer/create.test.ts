import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ModelFiles } from "../backend/session.js";
import { ClipkitError } from "../errors.js";
import { thrownDetail } from "../testing.js";
import { clipTokenizerJsonFromMerges } from "./clip-tokenizer-json.js";
import { createTokenizer, deferredTokenizer, loadTokenizer } from "./create.js";
import { clipGoldenCases, clipMergesText } from "./test-data.js";

function memoryFiles(files: Record<string, unknown>): ModelFiles {
  const text = (path: string) => {
    if (!(path in files)) {
      throw new ClipkitError("MODEL_FILE_MISSING", `no ${path}`, { details: { path } });
    }
    const value = files[path];
    return typeof value === "string" ? value : JSON.stringify(value);
  };
  return {
    location: "memory:",
    exists: async (path) => path in files,
    read: async (path) => new TextEncoder().encode(text(path)),
    readText: async (path) => text(path),
  };
}

const fieldOrArgument = (f: () => unknown) => thrownDetail(f, "INVALID_ARGUMENT", "argument");
const fieldOf = (f: () => unknown) => thrownDetail(f, "TOKENIZER_INVALID", "field");

const { tokenizerJson, tokenizerConfig } = clipTokenizerJsonFromMerges(clipMergesText());
// Round-trip through JSON text, as a file on disk would be.
const json = JSON.parse(JSON.stringify(tokenizerJson)) as Record<string, unknown>;
const model = json.model as Record<string, unknown>;

describe("createTokenizer / loadTokenizer", () => {
  it("writes Hugging Face's CLIPTokenizerFast layout", () => {
    expect(model.type).toBe("BPE");
    expect(Object.keys(model.vocab as object)).toHaveLength(49_408);
    expect(model.merges).toHaveLength(48_894);
    expect((model.merges as string[])[0]).toBe("i n");
    expect(model.end_of_word_suffix).toBe("</w>");
    expect(json.added_tokens).toEqual([
      expect.objectContaining({ id: 49_406, content: "<|startoftext|>", special: true }),
      expect.objectContaining({ id: 49_407, content: "<|endoftext|>", special: true }),
    ]);
    expect(tokenizerConfig.model_max_length).toBe(77);
  });

  it('matches openai/CLIP on every golden text with textCleaning "openai" (open_clip folders)', async () => {
    const files = { "tokenizer.json": json, "tokenizer_config.json": tokenizerConfig };
    const openClip = await loadTokenizer(memoryFiles({ ...files, "open_clip_config.json": {} }));
    const explicit = createTokenizer(json, tokenizerConfig, { textCleaning: "openai" });
    for (const tokenizer of [openClip, explicit]) {
      expect(tokenizer.kind).toBe("clip-bpe");
      expect(tokenizer.padTokenId).toBe(49_407);
      const cases = clipGoldenCases();
      const agree = cases.filter(
        (c) => JSON.stringify(tokenizer.encode(c.text)) === JSON.stringify(c.ids),
      ).length;
      expect(agree).toBe(cases.length);
    }
  });

  it("follows the file's own pipeline (transformers) by default for a Hugging Face folder", async () => {
    const tokenizer = await loadTokenizer(
      memoryFiles({ "tokenizer.json": json, "tokenizer_config.json": tokenizerConfig }),
    );
    // transformers keeps the entity, lowercases Σ per code point, and keeps the BOM as a symbol.
    expect(tokenizer.encode("Tom &amp; Jerry")).toEqual([49406, 2435, 261, 6259, 282, 9164, 49407]);
    const openai = createTokenizer(json, tokenizerConfig, { textCleaning: "openai" });
    expect(openai.encode("Tom &amp; Jerry")).not.toEqual(tokenizer.encode("Tom &amp; Jerry"));
    expect(tokenizer.decode(tokenizer.encode("ΟΔΟΣ"))).toBe("οδοσ");
    expect(
      fieldOrArgument(() => createTokenizer(json, tokenizerConfig, { textCleaning: "ftfy" as "none" })),
    ).toBe("textCleaning");
  });

  it("accepts merges written as [left, right] pairs and a config-less folder", async () => {
    const pairs = (model.merges as string[]).map((m) => m.split(" "));
    const tokenizer = await loadTokenizer(
      memoryFiles({ "tokenizer.json": { ...json, model: { ...model, merges: pairs } } }),
    );
    expect(tokenizer.encode("a photo of a cat")).toEqual([49_406, 320, 1125, 539, 320, 2368, 49_407]);
    expect(tokenizer.modelMaxLength).toBe(77);
  });

  it("recognises CLIP files that omit end_of_word_suffix by their split pattern", () => {
    const tokenizer = createTokenizer(
      { ...json, model: { ...model, end_of_word_suffix: null } },
      tokenizerConfig,
    );
    expect(tokenizer.kind).toBe("clip-bpe");
  });

  it("honours the config's pad token and model_max_length", () => {
    const tokenizer = createTokenizer(json, { ...tokenizerConfig, pad_token: "!", model_max_length: 1e30 });
    expect(tokenizer.padTokenId).toBe(0);
    expect(tokenizer.modelMaxLength).toBe(77);
  });

  it("builds small vocabularies for test models", () => {
    const small = clipTokenizerJsonFromMerges(clipMergesText(), { maxMerges: 1000 });
    const tokenizer = createTokenizer(small.tokenizerJson, small.tokenizerConfig);
    expect(tokenizer.vocabSize).toBe(512 + 1000 + 2);
    expect(tokenizer.bosTokenId).toBe(1512);
    const ids = tokenizer.encode("a photograph of a platypus");
    expect(ids.every((id) => id < 1514)).toBe(true);
    expect(tokenizer.decode(ids)).toBe("a photograph of a platypus");
  });

  it("rejects malformed tokenizer.json naming the field", async () => {
    expect(fieldOf(() => createTokenizer(null))).toBe("(root)");
    expect(fieldOf(() => createTokenizer({}))).toBe("model");
    expect(fieldOf(() => createTokenizer({ ...json, model: { ...model, vocab: undefined } }))).toBe(
      "model.vocab",
    );
    expect(fieldOf(() => createTokenizer({ ...json, model: { ...model, merges: undefined } }))).toBe(
      "model.merges",
    );
    expect(fieldOf(() => createTokenizer({ ...json, model: { ...model, merges: [42] } }))).toBe(
      "model.merges[0]",
    );
    expect(fieldOf(() => createTokenizer({ ...json, model: { type: "WordLevel", vocab: {} } }))).toBe(
      "model.type",
    );
    expect(fieldOf(() => createTokenizer({ ...json, added_tokens: [{ id: "x" }] }))).toBe(
      "added_tokens[0].content",
    );
    // As transformers does, a special token the config names but the vocabulary lacks is added.
    const noBos = { ...model, vocab: { a: 0, "<|endoftext|>": 1 }, merges: [] };
    const added = createTokenizer({ ...json, added_tokens: [], model: noBos }, tokenizerConfig);
    expect(added.bosTokenId).toBe(2);
    expect(added.tokenToId("<|startoftext|>")).toBe(2);
    expect(fieldOf(() => createTokenizer({ ...json, model: { ...model, merges: ["a qqqqqqqx"] } }))).toBe(
      "model.merges[0]",
    );
    await expect(loadTokenizer(memoryFiles({ "tokenizer.json": "{nope" }))).rejects.toMatchObject({
      code: "TOKENIZER_INVALID",
      details: { file: "memory:/tokenizer.json" },
    });
    await expect(loadTokenizer(memoryFiles({}))).rejects.toMatchObject({ code: "MODEL_FILE_MISSING" });
  });

  it("deferParse: reads at load, parses on first use, same ids and open_clip cleaning choice", async () => {
    const files = { "tokenizer.json": json, "tokenizer_config.json": tokenizerConfig };
    for (const extra of [{}, { "open_clip_config.json": {} }]) {
      const eager = await loadTokenizer(memoryFiles({ ...files, ...extra }));
      const lazy = await loadTokenizer(memoryFiles({ ...files, ...extra }), { deferParse: true });
      for (const c of clipGoldenCases().slice(0, 50))
        expect(lazy.encode(c.text)).toEqual(eager.encode(c.text));
      expect(lazy.encodeBatch(["a cat", "Tom &amp; Jerry"])).toEqual(
        eager.encodeBatch(["a cat", "Tom &amp; Jerry"]),
      );
      expect([lazy.kind, lazy.vocabSize, lazy.modelMaxLength, lazy.padTokenId]).toEqual([
        eager.kind,
        eager.vocabSize,
        eager.modelMaxLength,
        eager.padTokenId,
      ]);
      expect([lazy.bosTokenId, lazy.eosTokenId, lazy.tokenToId("cat</w>")]).toEqual([
        eager.bosTokenId,
        eager.eosTokenId,
        eager.tokenToId("cat</w>"),
      ]);
      expect(lazy.decode(eager.encode("two dogs"))).toBe(eager.decode(eager.encode("two dogs")));
    }
    // A missing file still fails the load; a malformed one fails at first use, every time.
    await expect(loadTokenizer(memoryFiles({}), { deferParse: true })).rejects.toMatchObject({
      code: "MODEL_FILE_MISSING",
    });
    const broken = await loadTokenizer(memoryFiles({ "tokenizer.json": "{nope" }), { deferParse: true });
    for (let i = 0; i < 2; i++) {
      expect(() => broken.encode("x")).toThrow(expect.objectContaining({ code: "TOKENIZER_INVALID" }));
    }
  });

  it("deferredTokenizer builds once, on first use", () => {
    let builds = 0;
    const t = deferredTokenizer(() => {
      builds++;
      return createTokenizer(json, tokenizerConfig);
    });
    expect(builds).toBe(0);
    expect(t.modelMaxLength).toBe(77);
    t.encode("a photo");
    t.decode([320]);
    expect(builds).toBe(1);
  });
});

// The tiny test models (fixtures helper, Python generator) must agree with our writer and ids.
const TINY = new URL("../../../../fixtures/models/", import.meta.url);
const readTiny = (path: string) => JSON.parse(readFileSync(new URL(path, TINY), "utf8"));

describe.skipIf(!existsSync(new URL("tiny-clip/tokenizer.json", TINY)))("tiny model fixtures", () => {
  // tiny-clip/tokenizer.json is written by transformers' CLIPTokenizer (tools/fixtures/clip), so
  // the files differ in form (merge pairs, ByteLevel flags); their ids must not.
  it("tokenize as our writer's tokenizer.json for 4,000 merges does", () => {
    const ours = clipTokenizerJsonFromMerges(clipMergesText(), { maxMerges: 4000 });
    const mine = createTokenizer(ours.tokenizerJson, ours.tokenizerConfig);
    const theirs = createTokenizer(
      readTiny("tiny-clip/tokenizer.json"),
      readTiny("tiny-clip/tokenizer_config.json"),
    );
    const texts = clipGoldenCases()
      .map((c) => c.text)
      .filter((t) => /^[\x20-\x7e]*$/.test(t));
    expect(texts.length).toBeGreaterThan(1000);
    expect(theirs.encodeBatch(texts).inputIds).toEqual(mine.encodeBatch(texts).inputIds);
  });

  it.each(["tiny-clip", "tiny-siglip"])("%s: reference ids match", (name) => {
    const tokenizer = createTokenizer(
      readTiny(`${name}/tokenizer.json`),
      readTiny(`${name}/tokenizer_config.json`),
    );
    const texts = readTiny(`${name}.reference.json`).texts as Array<{ text: string; ids: number[] }>;
    expect(texts.length).toBeGreaterThan(0);
    // SigLIP-style models are fed rows padded to the full context; CLIP's are not.
    const padding = name === "tiny-siglip" ? "max_length" : false;
    for (const { text, ids } of texts)
      expect(tokenizer.encodeBatch([text], { padding }).inputIds[0]).toEqual(ids);
  });
});
