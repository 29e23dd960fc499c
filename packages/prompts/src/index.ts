/**
 * @module
 * `@clipkit/prompts`: zero-shot prompt templates with provenance (OpenAI's 80 and 7 ImageNet
 * templates, 35 datasets' class names and templates, ImageNet-1k class names), domain-anchored
 * packs (`packs.satellite`, `getPack("emoji")`) and `buildPrompts`, which turns labels into the
 * per-class texts a zero-shot head embeds.
 */

export {
  type BuildPromptsOptions,
  buildPrompts,
  type ClassSpec,
  type PerClassPrompts,
  type PromptSource,
} from "./build.js";
export { type DatasetPrompts, imagenetClassNames, imagenetTemplates7, imagenetTemplates80 } from "./data.js";
export { type DatasetId, datasetClasses, datasetIds, datasets, getDataset, hasDataset } from "./datasets.js";
export { imagenetClasses } from "./imagenet.js";
export { defaultPack, getPack, hasPack, type Pack, type PackName, packNames, packs } from "./packs.js";
export { resolveTemplates, templateNames, templateSets } from "./templates.js";
