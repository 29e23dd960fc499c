import { ClipkitError, isClipkitError, PLACEHOLDER } from "@clipkit/core";
import { resolveTemplates } from "@clipkit/prompts";
import { usageError } from "./args.js";

/** Default `--templates`: the `photo` pack. */
export const DEFAULT_TEMPLATES = "photo";

/**
 * Turns `--templates` values (repeatable) into template strings. Each value is a set name
 * (`imagenet80`, `imagenet7`, `bare`, a pack such as `satellite` or `emoji`, a dataset id), a
 * comma-separated list of names, or a literal template containing `{}` (which may itself contain
 * commas). Duplicates are dropped, first occurrence kept.
 */
export function templatesFromFlags(values: readonly string[] | string | undefined): string[] {
  const list = values === undefined ? [DEFAULT_TEMPLATES] : typeof values === "string" ? [values] : values;
  if (list.length === 0) throw usageError("--templates is empty", "--templates");
  const out: string[] = [];
  for (const value of list) {
    if (value.includes(PLACEHOLDER)) {
      out.push(value);
      continue;
    }
    for (const name of value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      try {
        out.push(...resolveTemplates(name));
      } catch (error) {
        // A sentence is more likely a literal template missing its placeholder than a set name.
        if (!isClipkitError(error, "NOT_FOUND") || !/\s/.test(name)) throw error;
        throw new ClipkitError(
          "NOT_FOUND",
          `--templates ${JSON.stringify(name)}: ${error.message}; a literal template must contain ${PLACEHOLDER} where the label goes (e.g. "a photo of a ${PLACEHOLDER}")`,
          { cause: error, details: { ...error.details, argument: "--templates" } },
        );
      }
    }
  }
  return [...new Set(out)];
}
