import { ClipkitError } from "@clipkit/core";
import { imagenetTemplates7, imagenetTemplates80 } from "./data.js";
import { getDataset, hasDataset } from "./datasets.js";
import { getPack, hasPack, packNames } from "./packs.js";

/** Named template sets besides packs and datasets. */
export const templateSets: Readonly<Record<"imagenet80" | "imagenet7" | "bare", readonly string[]>> =
  Object.freeze({
    imagenet80: imagenetTemplates80,
    imagenet7: imagenetTemplates7,
    /** The class name alone: CLIP's weakest baseline (≈1.3 points below "a photo of a {}." on ImageNet). */
    bare: Object.freeze(["{}"]),
  });

/** Every name {@link resolveTemplates} accepts, for help texts. */
export function templateNames(): string[] {
  return [...Object.keys(templateSets), ...packNames()];
}

/**
 * Templates by name: `"imagenet80"`, `"imagenet7"`, `"bare"`, a pack name or alias (`"satellite"`,
 * `"emoji"`, `"aerial"`), or a dataset id (`"eurosat"` → that dataset's published templates).
 * Unknown names throw `NOT_FOUND` listing what exists.
 */
export function resolveTemplates(name: string): readonly string[] {
  const key = name.trim();
  if (Object.hasOwn(templateSets, key)) return templateSets[key as keyof typeof templateSets];
  if (hasPack(key)) return getPack(key).templates;
  if (hasDataset(key)) return getDataset(key).templates;
  throw new ClipkitError(
    "NOT_FOUND",
    `unknown template set ${JSON.stringify(name)}; use one of ${templateNames().join(", ")} or a dataset id`,
    { details: { argument: "templates", name } },
  );
}
