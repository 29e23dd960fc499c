import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectClipkitError } from "../../core/src/testing.js";
import { buildPrompts } from "./build.js";
import { packs } from "./packs.js";

describe("buildPrompts", () => {
  it("fills every {} of every template for every label, in order", () => {
    expect(buildPrompts(["cat", "dog"], ["a photo of a {}.", "{} and {}"])).toEqual([
      { label: "cat", prompts: ["a photo of a cat.", "cat and cat"] },
      { label: "dog", prompts: ["a photo of a dog.", "dog and dog"] },
    ]);
  });

  it("takes a pack's templates", () => {
    const [c] = buildPrompts(["forest"], packs.satellite);
    expect(c!.prompts).toContain("a satellite image of forest.");
    expect(c!.prompts).toHaveLength(packs.satellite.templates.length);
  });

  it("takes per-class prompts, literal or templated, with a fallback for unmapped labels", () => {
    const out = buildPrompts(
      ["tench", "goldfish"],
      { tench: ["a photo of a {}, a type of fish.", "a greenish freshwater fish"] },
      { fallback: ["a photo of a {}."] },
    );
    expect(out).toEqual([
      { label: "tench", prompts: ["a photo of a tench, a type of fish.", "a greenish freshwater fish"] },
      { label: "goldfish", prompts: ["a photo of a goldfish."] },
    ]);
    expectClipkitError(() => buildPrompts(["tench", "goldfish"], { tench: ["x"] }), "PROMPT_INVALID");
  });

  it("appends or replaces with per-class overrides, synonyms and extras", () => {
    const appended = buildPrompts([{ label: "happy", names: ["happy", "smiling"] }], ["a {} face."], {
      overrides: { happy: ["a person laughing"] },
    });
    expect(appended[0]!.prompts).toEqual(["a happy face.", "a smiling face.", "a person laughing"]);
    const replaced = buildPrompts(["cat", "dog"], ["a photo of a {}."], {
      overrides: { cat: ["a small domesticated feline"] },
      overrideMode: "replace",
    });
    expect(replaced[0]!.prompts).toEqual(["a small domesticated feline"]);
    expect(replaced[1]!.prompts).toEqual(["a photo of a dog."]);
    const extra = buildPrompts([{ label: "eel", extra: ["a long fish", "a {} underwater"] }], ["{}"]);
    expect(extra[0]!.prompts).toEqual(["eel", "a long fish", "a eel underwater"]);
  });

  it("de-duplicates prompts within a class and trims them (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a {}", "a {} ", "the {}", "{}"), { minLength: 1, maxLength: 10 }),
        (ts) => {
          const [c] = buildPrompts(["x"], ts);
          expect(new Set(c!.prompts).size).toBe(c!.prompts.length);
          expect(new Set(c!.prompts)).toEqual(new Set(ts.map((t) => t.replace("{}", "x").trim())));
        },
      ),
    );
  });

  it("rejects bad input with PROMPT_INVALID", () => {
    expectClipkitError(() => buildPrompts([], ["{}"]), "PROMPT_INVALID");
    expectClipkitError(() => buildPrompts([""], ["{}"]), "PROMPT_INVALID");
    expectClipkitError(() => buildPrompts(["  "], ["{}"]), "PROMPT_INVALID");
    expectClipkitError(() => buildPrompts(["cat", "cat"], ["{}"]), "PROMPT_INVALID");
    expectClipkitError(() => buildPrompts(["cat"], ["a photo"]), "PROMPT_INVALID");
    expectClipkitError(() => buildPrompts(["cat"], []), "PROMPT_INVALID");
    expectClipkitError(() => buildPrompts(["cat"], ["{}"], { overrides: { dgo: ["x"] } }), "PROMPT_INVALID");
    expectClipkitError(() => buildPrompts(["cat"], { cat: ["x"], dgo: ["y"] }), "PROMPT_INVALID");
    expectClipkitError(() => buildPrompts([{ label: "cat", names: [""] }], ["{}"]), "PROMPT_INVALID");
    expectClipkitError(() => buildPrompts(["cat"], { cat: [] }), "PROMPT_INVALID");
  });
});
