import { assertLabel, type ClassPrompts, ClipkitError, fillTemplate, PLACEHOLDER } from "@clipkit/core";
import type { Pack } from "./packs.js";

/**
 * A class to build prompts for. A bare string is shorthand for `{ label: string }`.
 */
export interface ClassSpec {
  /** Unique name of the class in the head (what `classify` returns). */
  readonly label: string;
  /**
   * Names that fill the `{}` of each template (default: `[label]`). Several names are synonyms
   * whose prompts all join the class's ensemble, as OpenAI did for FER2013 ("happy", "smiling").
   */
  readonly names?: readonly string[];
  /** Extra class-specific prompts (descriptions) added to the ensemble; `{}` is optional here. */
  readonly extra?: readonly string[];
}

/** Per-class prompts: label → that class's own templates or full prompts (`{}` optional). */
export type PerClassPrompts = Readonly<Record<string, readonly string[]>>;

/** Where the prompt texts come from: shared `{}` templates, a domain pack, or per-class prompts. */
export type PromptSource = readonly string[] | Pack | PerClassPrompts;

/** Options for {@link buildPrompts}. */
export interface BuildPromptsOptions {
  /** Class-specific prompts by label, added to (or, with `overrideMode: "replace"`, instead of) the source's. */
  overrides?: PerClassPrompts;
  /** Default `"append"`. */
  overrideMode?: "append" | "replace";
  /** With a per-class source: templates for labels the map does not mention (otherwise an error). */
  fallback?: readonly string[];
}

function invalid(message: string, details: Record<string, unknown>): ClipkitError {
  return new ClipkitError("PROMPT_INVALID", message, { details });
}

function isPack(source: PromptSource): source is Pack {
  return !Array.isArray(source) && (source as { kind?: unknown }).kind === "pack";
}

function toSpec(c: string | ClassSpec): ClassSpec {
  return typeof c === "string" ? { label: c } : c;
}

/** Fills a per-class prompt: with `{}` it is a template for each name, without it a literal text. */
function fillLoose(prompt: string, names: readonly string[]): string[] {
  return prompt.includes(PLACEHOLDER) ? names.map((n) => fillTemplate(prompt, n)) : [prompt];
}

function checkTemplates(templates: readonly string[], where: string): void {
  if (templates.length === 0) throw invalid(`${where}: no templates`, { argument: "templates" });
  for (const t of templates) {
    if (typeof t !== "string" || !t.includes(PLACEHOLDER)) {
      throw invalid(`${where}: template ${JSON.stringify(t)} has no {} placeholder for the class name`, {
        argument: "templates",
        template: t,
      });
    }
  }
}

function checkKnown(map: PerClassPrompts | undefined, labels: ReadonlySet<string>, argument: string): void {
  for (const label of Object.keys(map ?? {})) {
    if (!labels.has(label)) {
      throw invalid(`${argument} names unknown label ${JSON.stringify(label)}`, { argument, label });
    }
  }
}

/**
 * Expands class labels into the texts that will be embedded for each class, ready for
 * `buildZeroShotHead`. Validates eagerly (empty labels, duplicate labels, shared templates
 * without `{}`, labels in a map that match no class → `ClipkitError("PROMPT_INVALID")`) and drops
 * duplicate prompts within a class, keeping first-seen order.
 *
 * @example
 * ```ts
 * buildPrompts(["forest", "river"], packs.satellite);
 * buildPrompts(["cat"], ["a photo of a {}."], { overrides: { cat: ["a small domesticated feline"] } });
 * buildPrompts(["tench"], { tench: ["a photo of a {}, a type of fish."] });
 * ```
 */
export function buildPrompts(
  classes: readonly (string | ClassSpec)[],
  source: PromptSource,
  options: BuildPromptsOptions = {},
): ClassPrompts[] {
  const specs = classes.map(toSpec);
  if (specs.length === 0) throw invalid("no class labels given", { argument: "labels" });
  const labels = new Set<string>();
  for (const s of specs) {
    assertLabel(s.label, "buildPrompts");
    if (labels.has(s.label)) {
      throw invalid(`duplicate class label ${JSON.stringify(s.label)}`, {
        argument: "labels",
        label: s.label,
      });
    }
    labels.add(s.label);
    for (const n of s.names ?? []) assertLabel(n, `class ${JSON.stringify(s.label)} names`);
  }
  const perClass = Array.isArray(source) || isPack(source) ? undefined : (source as PerClassPrompts);
  const shared = perClass ? undefined : isPack(source) ? source.templates : (source as readonly string[]);
  if (shared) checkTemplates(shared, isPack(source) ? `pack ${source.name}` : "templates");
  if (options.fallback) checkTemplates(options.fallback, "fallback");
  checkKnown(perClass, labels, "per-class prompts");
  checkKnown(options.overrides, labels, "overrides");

  return specs.map((spec) => {
    const names = spec.names && spec.names.length > 0 ? spec.names : [spec.label];
    const out: string[] = [];
    const override = options.overrides?.[spec.label];
    if (!(override && options.overrideMode === "replace")) {
      if (shared) {
        for (const t of shared) for (const n of names) out.push(fillTemplate(t, n));
      } else {
        const own = perClass?.[spec.label];
        if (own) for (const p of own) out.push(...fillLoose(p, names));
        else if (options.fallback)
          for (const t of options.fallback) for (const n of names) out.push(fillTemplate(t, n));
        else {
          throw invalid(
            `per-class prompts have no entry for ${JSON.stringify(spec.label)} and no fallback was given`,
            {
              label: spec.label,
            },
          );
        }
      }
    }
    for (const p of override ?? []) out.push(...fillLoose(p, names));
    for (const p of spec.extra ?? []) out.push(...fillLoose(p, names));
    const prompts = [...new Set(out.map((p) => p.trim()))];
    if (prompts.length === 0 || prompts.some((p) => p === "")) {
      throw invalid(`class ${JSON.stringify(spec.label)} ends up with an empty prompt list or prompt`, {
        label: spec.label,
      });
    }
    return { label: spec.label, prompts };
  });
}
