import { isClipkitError } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { parseEvalManifest } from "./manifest.js";

describe("parseEvalManifest", () => {
  it("reads JSON Lines with relative paths and optional captions", () => {
    const m = parseEvalManifest(
      '{"image": "a.png", "label": "cat"}\n\n{"image": "/abs/b.png", "label": "dog", "captions": ["a dog", "puppy"]}\n',
      "/data",
    );
    expect(m.items).toEqual([
      { image: "/data/a.png", label: "cat" },
      { image: "/abs/b.png", label: "dog", captions: ["a dog", "puppy"] },
    ]);
    expect(m.extraClasses).toEqual([]);
  });

  it("reads a JSON array and a pretty-printed {classes, items} object", () => {
    expect(parseEvalManifest('[{"image": "a.png", "label": "x"}]', "/d").items).toHaveLength(1);
    const doc = JSON.stringify({ classes: ["bird"], items: [{ image: "a.png", label: "cat" }] }, null, 2);
    const m = parseEvalManifest(doc, "/d");
    expect(m.extraClasses).toEqual(["bird"]);
    expect(m.items[0]!.label).toBe("cat");
  });

  it("names the line of a bad item", () => {
    const bad = () => parseEvalManifest('{"image": "a.png"}\n{"label": "x"}\n', "/d", "m.jsonl");
    expect(bad).toThrow(/m\.jsonl:2/);
    try {
      bad();
    } catch (error) {
      expect(isClipkitError(error, "INVALID_ARGUMENT")).toBe(true);
    }
    expect(() => parseEvalManifest('{"image": "a.png"}\n{oops\n', "/d", "m.jsonl")).toThrow(
      /m\.jsonl:2 is not valid JSON/,
    );
    expect(() => parseEvalManifest('{"image": "a.png", "captions": []}', "/d")).toThrow(/captions/);
    expect(() => parseEvalManifest("  \n", "/d")).toThrow(/empty/);
  });
});
