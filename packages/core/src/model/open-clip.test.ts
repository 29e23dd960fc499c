import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { createTokenizer } from "../tokenizer/create.js";
import {
  loadOpenClipTokenizer,
  type OpenClipClean,
  openClipCleaner,
  parseOpenClipConfig,
  withTextCleaning,
} from "./open-clip.js";
import { resolveClipLayout } from "./resolve.js";
import { memoryFiles } from "./test-files.js";

const MODELS = new URL("../../../../fixtures/models/", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, MODELS), "utf8");

describe("openClipCleaner", () => {
  // open_clip.tokenizer.get_clean_fn(mode)(text) over the CLIP golden captions (tools/fixtures/open_clip).
  const golden = JSON.parse(read("open-clip-clean.golden.json")) as {
    cases: Array<{ text: string } & Record<OpenClipClean, string>>;
  };

  it.each(["lower", "whitespace", "canonicalize"] as const)(
    "%s: equals open_clip on every golden text",
    (mode) => {
      const clean = openClipCleaner(mode);
      const wrong = golden.cases.filter((c) => clean(c.text) !== c[mode]).map((c) => c.text);
      expect(golden.cases.length).toBeGreaterThan(2500);
      expect(wrong).toEqual([]);
    },
  );

  it("is idempotent for lower and canonicalize on ASCII text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii" }), (s) => {
        for (const mode of ["lower", "canonicalize"] as const) {
          const once = openClipCleaner(mode)(s);
          expect(openClipCleaner(mode)(once)).toBe(once);
        }
      }),
    );
  });
});

describe("parseOpenClipConfig", () => {
  it("reads the CLIP-style fixture: softmax model, longest resize with fill, SimpleTokenizer cleaning", () => {
    const c = parseOpenClipConfig(read("tiny-openclip/open_clip_config.json"));
    expect(c.model).toEqual({ modelType: "clip", projectionDim: 32, maxTextLength: 77, imageSize: 32 });
    expect(c.clean).toBe("lower");
    expect(c.preprocess.resize).toEqual({ mode: "keep_ratio", height: 32, width: 32, longest: true });
    expect(c.preprocess.fill).toBe(128);
  });

  it("reads the SigLIP-style fixture: sigmoid (init_logit_bias), squash, canonicalize", () => {
    const c = parseOpenClipConfig(read("tiny-openclip-siglip/open_clip_config.json"));
    expect(c.model.modelType).toBe("siglip");
    expect(c.model.maxTextLength).toBe(64);
    expect(c.clean).toBe("canonicalize");
    expect(c.preprocess.resize).toEqual({ mode: "squash", height: 32, width: 32 });
    expect(c.preprocess.resample).toBe("bilinear");
  });

  it.each([
    ["not json", "{", "open_clip_config.json"],
    ["no model_cfg", "{}", "model_cfg"],
    ["bad image size", JSON.stringify({ model_cfg: { vision_cfg: { image_size: -1 } } }), "image_size"],
    [
      "unknown clean mode",
      JSON.stringify({
        model_cfg: { vision_cfg: { image_size: 8 }, text_cfg: { tokenizer_kwargs: { clean: "x" } } },
      }),
      "clean",
    ],
  ])("%s → MODEL_CONFIG_INVALID naming %s", (_, text, key) => {
    expect(() => parseOpenClipConfig(text)).toThrow(
      expect.objectContaining({ code: "MODEL_CONFIG_INVALID" }),
    );
    try {
      parseOpenClipConfig(text);
    } catch (e) {
      expect((e as Error).message + JSON.stringify((e as { details: unknown }).details)).toContain(key);
    }
  });

  it("resolveClipLayout falls back to open_clip_config.json and says so when both configs are missing", async () => {
    const files = memoryFiles({
      "open_clip_config.json": read("tiny-openclip/open_clip_config.json"),
      "onnx/model.onnx": "x",
    });
    const layout = await resolveClipLayout(files);
    expect(layout.config.modelType).toBe("clip");
    await expect(resolveClipLayout(memoryFiles({}))).rejects.toSatisfy(
      (e) => isClipkitError(e, "MODEL_FILE_MISSING") && /open_clip_config\.json/.test((e as Error).message),
    );
  });
});

describe("loadOpenClipTokenizer", () => {
  const folder = (name: string) =>
    memoryFiles({
      "open_clip_config.json": read(`${name}/open_clip_config.json`),
      "tokenizer.json": read(`${name}/tokenizer.json`),
    });
  const texts = ["A Photo of a CAT!", "  two   spaces ", "naïve café", ""];

  it.each(["tiny-openclip", "tiny-openclip-siglip"])(
    "%s: deferParse gives the same kind, ids and padding as an eager load",
    async (name) => {
      const config = parseOpenClipConfig(read(`${name}/open_clip_config.json`));
      const eager = await loadOpenClipTokenizer(folder(name), config);
      const lazy = await loadOpenClipTokenizer(folder(name), config, { deferParse: true });
      expect(lazy.kind).toBe(eager.kind);
      expect(lazy.padTokenId).toBe(eager.padTokenId);
      const options = {
        maxLength: config.model.maxTextLength,
        padding: "max_length",
        truncation: true,
      } as const;
      expect(lazy.encodeBatch(texts, options)).toEqual(eager.encodeBatch(texts, options));
    },
  );

  it("a malformed tokenizer.json fails at load when eager, at first use when deferred", async () => {
    const config = parseOpenClipConfig(read("tiny-openclip/open_clip_config.json"));
    const broken = memoryFiles({ "tokenizer.json": "{nope" });
    await expect(loadOpenClipTokenizer(broken, config)).rejects.toSatisfy((e) => isClipkitError(e));
    const lazy = await loadOpenClipTokenizer(broken, config, { deferParse: true });
    expect(() => lazy.kind).toThrow(expect.objectContaining({ name: "ClipkitError" }));
  });
});

describe("withTextCleaning", () => {
  it("cleans before the inner tokenizer on every entry point", () => {
    const inner = createTokenizer(
      JSON.parse(read("tiny-siglip/tokenizer.json")),
      JSON.parse(read("tiny-siglip/tokenizer_config.json")),
    );
    const tok = withTextCleaning(inner, openClipCleaner("canonicalize"));
    expect(tok.encode("A_Cat!")).toEqual(inner.encode("a cat"));
    expect(tok.encodeBatch(["A_Cat!"]).inputIds).toEqual(inner.encodeBatch(["a cat"]).inputIds);
    expect(tok.vocabSize).toBe(inner.vocabSize);
  });
});
