import { ClipkitError } from "../errors.js";

/** The `{}` placeholder a template uses for the class name (OpenAI's and open_clip's convention). */
export const PLACEHOLDER = "{}";

/** One class of a zero-shot head: its label (unique within the head) and the texts that describe it. */
export interface ClassPrompts {
  readonly label: string;
  readonly prompts: readonly string[];
}

/**
 * What a zero-shot head can be built from:
 * - `{ labels, templates }`: every label goes through every `{}` template (the common case);
 * - a `label → prompts` record: each class's texts written out in full;
 * - a `ClassPrompts[]` list (what `buildPrompts` in `@clipkit/prompts` returns), order preserved.
 *
 * An object whose `labels` and `templates` are both arrays is read as the first form, so a record
 * with classes literally named "labels" and "templates" must be passed as a `ClassPrompts[]`.
 */
export type HeadClasses =
  | { readonly labels: readonly string[]; readonly templates: readonly string[] }
  | Readonly<Record<string, readonly string[]>>
  | readonly ClassPrompts[];

function invalid(message: string, details: Record<string, unknown>): ClipkitError {
  return new ClipkitError("PROMPT_INVALID", message, { details });
}

/**
 * Substitutes `name` for every `{}` in `template`. Throws `PROMPT_INVALID` when the template has
 * no placeholder: such a template would give every class the same text, and a head whose classes
 * share a prompt cannot tell them apart on it.
 */
export function fillTemplate(template: string, name: string): string {
  if (!template.includes(PLACEHOLDER)) {
    throw invalid(`template ${JSON.stringify(template)} has no {} placeholder for the class name`, {
      argument: "templates",
      template,
    });
  }
  return template.split(PLACEHOLDER).join(name);
}

/** Throws `PROMPT_INVALID` unless `label` is a non-blank string. */
export function assertLabel(label: unknown, where: string): asserts label is string {
  if (typeof label !== "string" || label.trim() === "") {
    throw invalid(`${where}: a class label is empty`, { argument: "labels", label });
  }
}

/**
 * Turns any {@link HeadClasses} form into a validated `ClassPrompts[]`: at least one class, unique
 * non-empty labels, and per class at least one non-empty prompt (exact duplicates within a class
 * are dropped, since they would only re-weight the ensemble by accident).
 */
export function toClassPrompts(classes: HeadClasses): ClassPrompts[] {
  let list: ClassPrompts[];
  if (Array.isArray(classes)) {
    list = (classes as readonly ClassPrompts[]).map((c) => ({ label: c.label, prompts: c.prompts }));
  } else if (isLabelsAndTemplates(classes)) {
    const { labels, templates } = classes;
    if (templates.length === 0) throw invalid("no templates given", { argument: "templates" });
    list = labels.map((label) => {
      assertLabel(label, "labels");
      return { label, prompts: templates.map((t) => fillTemplate(t, label)) };
    });
  } else {
    list = Object.entries(classes as Readonly<Record<string, readonly string[]>>).map(([label, prompts]) => ({
      label,
      prompts,
    }));
  }
  if (list.length === 0) {
    throw new ClipkitError("INVALID_ARGUMENT", "a zero-shot head needs at least one class label", {
      details: { argument: "labels" },
    });
  }
  const seen = new Set<string>();
  return list.map(({ label, prompts }) => {
    assertLabel(label, "classes");
    if (seen.has(label)) {
      throw invalid(
        `duplicate class label ${JSON.stringify(label)}: labels name classes and must be unique`,
        {
          argument: "labels",
          label,
        },
      );
    }
    seen.add(label);
    if (!Array.isArray(prompts)) {
      throw invalid(`class ${JSON.stringify(label)}: prompts must be an array of strings`, { label });
    }
    const unique = [...new Set(prompts)];
    if (unique.length === 0) throw invalid(`class ${JSON.stringify(label)} has no prompts`, { label });
    for (const p of unique) {
      if (typeof p !== "string" || p.trim() === "") {
        throw invalid(`class ${JSON.stringify(label)} has an empty prompt`, { label });
      }
    }
    return { label, prompts: unique };
  });
}

function isLabelsAndTemplates(
  c: HeadClasses,
): c is { readonly labels: readonly string[]; readonly templates: readonly string[] } {
  const o = c as { labels?: unknown; templates?: unknown };
  return Array.isArray(o.labels) && Array.isArray(o.templates);
}
