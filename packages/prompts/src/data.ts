import datasetJson from "./data/dataset_templates.json" with { type: "json" };
import imagenetClassNamesJson from "./data/imagenet_classnames.json" with { type: "json" };
import imagenetTemplatesJson from "./data/imagenet_templates.json" with { type: "json" };

// The JSON files are verbatim copies of /work/shared/reference/prompts (see SOURCES.md). This file
// is the only place that touches their inferred types: everything public goes through the
// explicit interfaces below, so the emitted .d.ts never inlines 76 kB of literal types.

/** One dataset's zero-shot class names and templates as published (see SOURCES.md). */
export interface DatasetPrompts {
  /** Key in this package, e.g. `"eurosat"`. */
  readonly id: string;
  /** Section name in openai/CLIP `data/prompts.md`, when the dataset is there. */
  readonly openaiName?: string;
  /**
   * Class names in the source's label order. An entry may be a list of synonyms (FER2013), each
   * filling the templates for the same class. `null` when the benchmark takes names from its loader.
   */
  readonly classnames: readonly (string | readonly string[])[] | null;
  /** Templates with a `{}` placeholder for the class name. */
  readonly templates: readonly string[];
  /** Where the class names and templates came from. */
  readonly source: string;
  /** CLIP_benchmark's names, only where they differ (usually loader label order). */
  readonly clipBenchmarkClassnames?: readonly string[];
  /** CLIP_benchmark's templates, only where they differ from OpenAI's. */
  readonly clipBenchmarkTemplates?: readonly string[];
}

interface RawDataset {
  openai_name?: string;
  classnames: (string | string[])[] | null;
  templates: string[];
  source: string;
  clip_benchmark_classnames?: string[];
  clip_benchmark_templates?: string[];
}

function freezeDataset(id: string, raw: RawDataset): DatasetPrompts {
  return Object.freeze({
    id,
    ...(raw.openai_name ? { openaiName: raw.openai_name } : {}),
    classnames: raw.classnames
      ? Object.freeze(raw.classnames.map((c) => (Array.isArray(c) ? Object.freeze([...c]) : c)))
      : null,
    templates: Object.freeze([...raw.templates]),
    source: raw.source,
    ...(raw.clip_benchmark_classnames
      ? { clipBenchmarkClassnames: Object.freeze([...raw.clip_benchmark_classnames]) }
      : {}),
    ...(raw.clip_benchmark_templates
      ? { clipBenchmarkTemplates: Object.freeze([...raw.clip_benchmark_templates]) }
      : {}),
  });
}

const rawDatasets = datasetJson as unknown as Record<string, RawDataset | Record<string, unknown>>;

/** Every dataset entry, keyed by id, in the source file's order. */
export const datasetTable: Readonly<Record<string, DatasetPrompts>> = Object.freeze(
  Object.fromEntries(
    Object.entries(rawDatasets)
      .filter(([id]) => !id.startsWith("_"))
      .map(([id, raw]) => [id, freezeDataset(id, raw as RawDataset)]),
  ),
);

const templates = imagenetTemplatesJson as unknown as {
  openai_imagenet_80: string[];
  openai_imagenet_7: string[];
};

/** OpenAI's 80 ImageNet prompt templates (CLIP paper §3.1.4), in the notebook's order. */
export const imagenetTemplates80: readonly string[] = Object.freeze([...templates.openai_imagenet_80]);

/** The 7-template subset OpenAI chose by sequential forward selection on ImageNet. */
export const imagenetTemplates7: readonly string[] = Object.freeze([...templates.openai_imagenet_7]);

/**
 * The 1000 ImageNet-1k class names used for CLIP zero-shot, in class-index order. Two names repeat
 * ("missile" at 657 and 744, "sunglasses" at 836 and 837): key classes by index, or use
 * `imagenetClasses`, whose labels are unique.
 */
export const imagenetClassNames: readonly string[] = Object.freeze([
  ...(imagenetClassNamesJson as unknown as string[]),
]);
