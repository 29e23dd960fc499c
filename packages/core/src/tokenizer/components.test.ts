import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { thrownDetail } from "../testing.js";
import { createNormalizer } from "./normalizers.js";
import { readPostProcessor } from "./post-processor.js";
import { createPreTokenizer } from "./pre-tokenizers.js";
import { onigToJs } from "./regex.js";
import { lowercasePerCodePoint } from "./unicode.js";

const words = (spec: unknown, text: string, atStart = true) =>
  createPreTokenizer(spec)({ text, atStart }).map((p) => p.text);

const fieldOf = (f: () => unknown) => thrownDetail(f, "TOKENIZER_INVALID", "field");

describe("tokenizer.json normalizers", () => {
  it("runs sequences of Unicode forms, case, replace, strip and prepend", () => {
    const normalize = createNormalizer({
      type: "Sequence",
      normalizers: [
        { type: "NFKC" },
        { type: "Lowercase" },
        { type: "Replace", pattern: { Regex: "[\\!\\#\\&]" }, content: "" },
        { type: "Replace", pattern: { String: "." }, content: " dot " },
        { type: "Strip", strip_left: true, strip_right: false },
        { type: "Prepend", prepend: "▁" },
      ],
    });
    expect(normalize("  ＡB!#&c.d  ")).toBe("▁abc dot d  ");
    expect(createNormalizer({ type: "Prepend", prepend: "▁" })("")).toBe("");
    expect(createNormalizer(null)("As Is")).toBe("As Is");
    expect(createNormalizer({ type: "NFD" })("é")).toBe("e\u0301");
  });

  it("follows Rust's character definitions, not JavaScript's", () => {
    const lower = createNormalizer({ type: "Lowercase" });
    // Rust lowercases per code point: no word-final sigma.
    expect(lower("ΟΔΟΣ ΣΑΣ")).toBe("οδοσ σασ");
    expect(lower("İ")).toBe("i\u0307");
    // Strip and `\s` use White_Space: the BOM (U+FEFF) is not whitespace, U+0085 is.
    expect(createNormalizer({ type: "Strip" })("\ufeff a \u0085")).toBe("\ufeff a");
    const collapse = createNormalizer({ type: "Replace", pattern: { Regex: "\\s+" }, content: " " });
    expect(collapse("a\ufeff\u0085\u3000b")).toBe("a\ufeff b");
    expect(createNormalizer({ type: "StripAccents" })("cafe\u0301")).toBe("cafe");
  });

  it("runs BertNormalizer: controls dropped, CJK padded, accents stripped, lowercased", () => {
    const bert = createNormalizer({
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    });
    expect(bert("Héllo\u0000\u200b\tW猫\uffff")).toBe("hello w 猫 \uffff");
    const keep = createNormalizer({ type: "BertNormalizer", strip_accents: false, lowercase: true });
    expect(keep("É")).toBe("é");
  });

  it("lowercases per code point exactly like String#toLowerCase per character (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), (text) => {
        const expected = Array.from(text, (ch) => ch.toLowerCase()).join("");
        expect(lowercasePerCodePoint(text)).toBe(expected);
      }),
    );
  });

  it("names unsupported or broken normalizers", () => {
    expect(fieldOf(() => createNormalizer({ type: "Magic" }))).toBe("normalizer.type");
    expect(
      fieldOf(() => createNormalizer({ type: "Sequence", normalizers: [{ type: "Replace", pattern: {} }] })),
    ).toBe("normalizer.normalizers[0].pattern");
    expect(fieldOf(() => createNormalizer({ type: "Replace", pattern: { Regex: "(" } }))).toBe(
      "normalizer.pattern",
    );
  });
});

describe("Oniguruma patterns", () => {
  it("translates Unicode classes, escapes and scoped case-insensitive groups", () => {
    expect(onigToJs("[^\\s\\p{L}]+").source).toBe("[^\\p{White_Space}\\p{L}]+");
    expect(onigToJs("\\w+\\s").source).toBe("[\\p{L}\\p{M}\\p{Nd}\\p{Pc}]+\\p{White_Space}");
    expect(onigToJs("\\#\\&").source).toBe("#&");
    const qwen = new RegExp(onigToJs("(?i:'s|'t)|\\p{N}").source, "gu");
    expect("IT'S it's 42".match(qwen)).toEqual(["'S", "'s", "4", "2"]);
  });
});

describe("tokenizer.json pre-tokenizers", () => {
  it("splits like Metaspace (prepend schemes, split off) and whitespace splitters", () => {
    expect(words({ type: "Metaspace", replacement: "▁", prepend_scheme: "always" }, "a photo")).toEqual([
      "▁a",
      "▁photo",
    ]);
    expect(words({ type: "Metaspace", prepend_scheme: "never" }, "a photo")).toEqual(["a", "▁photo"]);
    expect(words({ type: "Metaspace", prepend_scheme: "first" }, "a b", false)).toEqual(["a", "▁b"]);
    expect(words({ type: "Metaspace", add_prefix_space: true, split: false }, "a b")).toEqual(["▁a▁b"]);
    expect(words({ type: "WhitespaceSplit" }, " a  b\tc\ufeff ")).toEqual(["a", "b", "c\ufeff"]);
    expect(words({ type: "Whitespace" }, "hi, you! é")).toEqual(["hi", ",", "you", "!", "é"]);
    expect(words({ type: "BertPreTokenizer" }, "a,b  $c")).toEqual(["a", ",", "b", "$", "c"]);
    expect(words({ type: "Digits", individual_digits: true }, "a12")).toEqual(["a", "1", "2"]);
    expect(words({ type: "Digits" }, "a12b")).toEqual(["a", "12", "b"]);
    expect(words({ type: "Punctuation" }, "a.b")).toEqual(["a", ".", "b"]);
  });

  it("maps bytes like GPT-2's ByteLevel (prefix space, regex)", () => {
    expect(words({ type: "ByteLevel", add_prefix_space: true }, "hi you")).toEqual(["Ġhi", "Ġyou"]);
    expect(words({ type: "ByteLevel", use_regex: false }, "é!")).toEqual(["Ã©!"]);
  });

  it("splits on patterns with each behaviour, and in sequence", () => {
    const split = (behavior: string, invert = false) =>
      words({ type: "Split", pattern: { String: "-" }, behavior, invert }, "a-b--c");
    expect(split("Removed")).toEqual(["a", "b", "c"]);
    expect(split("Isolated")).toEqual(["a", "-", "b", "-", "-", "c"]);
    expect(split("MergedWithPrevious")).toEqual(["a-", "b-", "-", "c"]);
    expect(split("MergedWithNext")).toEqual(["a", "-b", "-", "-c"]);
    expect(split("Contiguous")).toEqual(["a", "-", "b", "--", "c"]);
    expect(words({ type: "Split", pattern: { Regex: "\\d+" }, invert: true }, "a12b3")).toEqual(["12", "3"]);
    const sequence = {
      type: "Sequence",
      pretokenizers: [{ type: "WhitespaceSplit" }, { type: "Metaspace" }],
    };
    expect(words(sequence, "x y")).toEqual(["▁x", "▁y"]);
    expect(fieldOf(() => split("Sideways"))).toBe("pre_tokenizer.behavior");
    expect(fieldOf(() => createPreTokenizer({ type: "Magic" }))).toBe("pre_tokenizer.type");
  });
});

describe("tokenizer.json post-processors", () => {
  it("reads the special ids around a single text", () => {
    expect(readPostProcessor(null)).toEqual({ prefix: [], suffix: [] });
    expect(readPostProcessor({ type: "RobertaProcessing", cls: ["<s>", 0], sep: ["</s>", 2] })).toEqual({
      prefix: [0],
      suffix: [2],
    });
    const template = {
      type: "TemplateProcessing",
      single: [
        { SpecialToken: { id: "[CLS]" } },
        { Sequence: { id: "A" } },
        { SpecialToken: { id: "</s>" } },
      ],
      special_tokens: { "[CLS]": { ids: [101] }, "</s>": { ids: [1] } },
    };
    expect(readPostProcessor(template)).toEqual({ prefix: [101], suffix: [1] });
    expect(readPostProcessor({ type: "Sequence", processors: [{ type: "ByteLevel" }, template] })).toEqual({
      prefix: [101],
      suffix: [1],
    });
  });

  it("names broken post-processors", () => {
    expect(fieldOf(() => readPostProcessor({ type: "BertProcessing", cls: "x", sep: ["a", 1] }))).toBe(
      "post_processor.cls",
    );
    const missing = {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "X" } }],
      special_tokens: {},
    };
    expect(fieldOf(() => readPostProcessor(missing))).toBe("post_processor.special_tokens");
    expect(fieldOf(() => readPostProcessor({ type: "Magic" }))).toBe("post_processor.type");
  });
});
