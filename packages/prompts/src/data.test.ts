import { buildZeroShotHead, isClipkitError } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { buildPrompts } from "./build.js";
import { datasetClasses, datasetIds, datasets, getDataset } from "./datasets.js";
import { imagenetClasses, imagenetClassNames, imagenetTemplates7, imagenetTemplates80 } from "./index.js";
import { getPack, hasPack, packNames, packs } from "./packs.js";
import { resolveTemplates, templateNames } from "./templates.js";

describe("bundled template data", () => {
  it("has OpenAI's 80 and 7 ImageNet templates, the 7 being a subset of the 80", () => {
    expect(imagenetTemplates80).toHaveLength(80);
    expect(new Set(imagenetTemplates80).size).toBe(80);
    expect(imagenetTemplates7).toHaveLength(7);
    for (const t of imagenetTemplates7) expect(imagenetTemplates80).toContain(t);
    for (const t of imagenetTemplates80) expect(t).toContain("{}");
    expect(imagenetTemplates80[0]).toBe("a bad photo of a {}.");
  });

  it("has the 1000 ImageNet names in index order, with unique labels for the two repeated names", () => {
    expect(imagenetClassNames).toHaveLength(1000);
    expect(imagenetClassNames[0]).toBe("tench");
    expect(imagenetClassNames[999]).toBe("toilet paper");
    expect(new Set(imagenetClassNames).size).toBe(998);
    expect(new Set(imagenetClasses.map((c) => c.label)).size).toBe(1000);
    expect(imagenetClasses[657]).toEqual({ label: "missile [657]", names: ["missile"] });
    expect(imagenetClasses[744]!.label).toBe("missile [744]");
    const ps = buildPrompts(imagenetClasses, imagenetTemplates7);
    expect(ps).toHaveLength(1000);
    expect(ps[836]!.prompts[0]).toBe("itap of a sunglasses.");
  });

  it("has 35 datasets, each with {} templates, and FER2013's synonym lists", () => {
    expect(datasetIds()).toHaveLength(35);
    for (const id of datasetIds()) {
      const d = datasets[id];
      expect(d.id).toBe(id);
      expect(d.templates.length).toBeGreaterThan(0);
      for (const t of d.templates) expect(t).toContain("{}");
    }
    expect(getDataset("eurosat").templates[0]).toBe("a centered satellite photo of {}.");
    const fer = datasetClasses("fer2013");
    expect(fer[3]).toEqual({ label: "happy", names: ["happy", "smiling"] });
    expect(buildPrompts(fer, getDataset("fer2013").templates)[3]!.prompts).toContain("they look smiling.");
    expect(
      isClipkitError(
        catchIt(() => datasetClasses("voc2007_multilabel")),
        "PROMPT_INVALID",
      ),
    ).toBe(true);
    expect(
      isClipkitError(
        catchIt(() => getDataset("imagenet-22k")),
        "NOT_FOUND",
      ),
    ).toBe(true);
  });
});

describe("domain packs", () => {
  it("every pack is a small {} ensemble with a note on when it helps and when not to use it", () => {
    expect(packNames().length).toBeGreaterThanOrEqual(16);
    for (const name of packNames()) {
      const p = packs[name];
      expect(p.kind).toBe("pack");
      expect(p.templates.length).toBeGreaterThanOrEqual(3);
      expect(p.templates.length).toBeLessThanOrEqual(10);
      for (const t of p.templates) expect(t).toContain("{}");
      expect(p.helps.length).toBeGreaterThan(10);
      expect(p.notWhen.length).toBeGreaterThan(10);
    }
  });

  it("resolves names and aliases case-insensitively; unknown names list the choices", () => {
    expect(getPack("emoji")).toBe(packs.emoji);
    expect(getPack("Aerial")).toBe(packs.satellite);
    expect(getPack("x-ray")).toBe(packs.xray);
    expect(getPack("low-quality")).toBe(packs.lowQuality);
    expect(hasPack("thermal")).toBe(true);
    const e = catchIt(() => getPack("hologram"));
    expect(isClipkitError(e, "NOT_FOUND")).toBe(true);
    expect((e as Error).message).toContain("satellite");
  });

  it("resolveTemplates knows template sets, packs and datasets", () => {
    expect(resolveTemplates("imagenet80")).toBe(imagenetTemplates80);
    expect(resolveTemplates("imagenet7")).toBe(imagenetTemplates7);
    expect(resolveTemplates("satellite")).toBe(packs.satellite.templates);
    expect(resolveTemplates("eurosat")).toBe(datasets.eurosat.templates);
    expect(resolveTemplates("bare")).toEqual(["{}"]);
    expect(templateNames()).toContain("emoji");
    expect(
      isClipkitError(
        catchIt(() => resolveTemplates("nope")),
        "NOT_FOUND",
      ),
    ).toBe(true);
  });

  it("feeds buildZeroShotHead directly", async () => {
    const space = { id: "t", dim: 3, normalized: true };
    const embedder = {
      space,
      scoring: { kind: "softmax", logitScale: 100 } as const,
      embedTexts: async (texts: readonly string[]) => ({
        data: Float32Array.from(texts.flatMap((t) => [t.length, t.split(" ").length, 1])),
        count: texts.length,
        dim: 3,
        space,
      }),
    };
    const head = await buildZeroShotHead(embedder, buildPrompts(["cat", "dog"], packs.photo));
    expect(head.labels).toEqual(["cat", "dog"]);
  });
});

function catchIt(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
