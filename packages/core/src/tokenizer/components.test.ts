import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { createNormalizer } from "./normalizers.js";
import { readPostProcessor } from "./post-processor.js";
import { createPreTokenizer } from "./pre-tokenizers.js";

function fieldOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return isClipkitError(error, "TOKENIZER_INVALID") ? String(error.details.field) : "other";
  }
  return "none";
}

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

  it("names unsupported or broken normalizers", () => {
    expect(fieldOf(() => createNormalizer({ type: "BertNormalizer" }))).toBe("normalizer.type");
    expect(
      fieldOf(() => createNormalizer({ type: "Sequence", normalizers: [{ type: "Replace", pattern: {} }] })),
    ).toBe("normalizer.normalizers[0].pattern");
    expect(fieldOf(() => createNormalizer({ type: "Replace", pattern: { Regex: "(" } }))).toBe(
      "normalizer.pattern",
    );
  });
});

describe("tokenizer.json pre-tokenizers", () => {
  it("splits like Metaspace (prepend schemes, split off) and whitespace splitters", () => {
    expect(
      createPreTokenizer({ type: "Metaspace", replacement: "▁", prepend_scheme: "always" })("a photo"),
    ).toEqual(["▁a", "▁photo"]);
    expect(createPreTokenizer({ type: "Metaspace", prepend_scheme: "never" })("a photo")).toEqual([
      "a",
      "▁photo",
    ]);
    expect(createPreTokenizer({ type: "Metaspace", add_prefix_space: true, split: false })("a b")).toEqual([
      "▁a▁b",
    ]);
    expect(createPreTokenizer({ type: "WhitespaceSplit" })(" a  b\tc ")).toEqual(["a", "b", "c"]);
    expect(createPreTokenizer({ type: "Whitespace" })("hi, you!")).toEqual(["hi", ",", "you", "!"]);
  });

  it("splits on patterns with each behaviour, and in sequence", () => {
    const split = (behavior: string, invert = false) =>
      createPreTokenizer({ type: "Split", pattern: { String: "-" }, behavior, invert })("a-b--c");
    expect(split("Removed")).toEqual(["a", "b", "c"]);
    expect(split("Isolated")).toEqual(["a", "-", "b", "-", "-", "c"]);
    expect(split("MergedWithPrevious")).toEqual(["a-", "b-", "-", "c"]);
    expect(createPreTokenizer({ type: "Split", pattern: { Regex: "\\d+" }, invert: true })("a12b3")).toEqual([
      "12",
      "3",
    ]);
    const sequence = createPreTokenizer({
      type: "Sequence",
      pretokenizers: [{ type: "WhitespaceSplit" }, { type: "Metaspace", prepend_scheme: "always" }],
    });
    expect(sequence("x y")).toEqual(["▁x", "▁y"]);
    expect(fieldOf(() => split("Contiguous"))).toBe("pre_tokenizer.behavior");
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
