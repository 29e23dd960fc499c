/**
 * Class labels for zero-shot heads: `--labels a,b,c`, built-in class lists from
 * `@clipkit/prompts` (`--labels imagenet`, `--labels cifar10`, …) and `--labels-file FILE`.
 */
import { ClipkitError } from "@clipkit/core";
import { type ClassSpec, datasetClasses, datasetIds, getDataset, imagenetClasses } from "@clipkit/prompts";
import { parseList, usageError } from "./args.js";
import { readTextFile } from "./text-file.js";

/** Names `--labels` accepts as a whole built-in class list: `imagenet` plus datasets with class names. */
export function builtinLabelLists(): string[] {
  return ["imagenet", ...datasetIds().filter((id) => getDataset(id).classnames !== null)];
}

/**
 * A built-in class list, de-duplicated by label (first occurrence kept): ImageNet's 1000 classes
 * (names used by two indices carry the index, `"missile [657]"`) or a dataset's published names.
 */
export function builtinLabels(name: string): ClassSpec[] | undefined {
  if (!builtinLabelLists().includes(name)) return undefined;
  const specs = name === "imagenet" ? [...imagenetClasses] : datasetClasses(name);
  const seen = new Set<string>();
  return specs.filter((s) => !seen.has(s.label) && seen.add(s.label));
}

/**
 * Reads a labels file: one label per line, blank lines and `#` comments skipped. A label seen
 * twice is `INVALID_ARGUMENT` naming both lines and suggesting the de-duplicated list.
 */
export async function readLabelsFile(path: string): Promise<string[]> {
  const text = await readTextFile(path, "--labels-file");
  const firstLine = new Map<string, number>();
  const duplicates: { label: string; line: number; first: number }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const label = raw.trim();
    if (label === "" || label.startsWith("#")) return;
    const first = firstLine.get(label);
    if (first === undefined) firstLine.set(label, i + 1);
    else duplicates.push({ label, line: i + 1, first });
  });
  if (duplicates.length > 0) {
    const d = duplicates[0]!;
    const unique = [...firstLine.keys()];
    const shown = unique.length <= 12 ? `: ${unique.join(", ")}` : "";
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `${path}:${d.line}: duplicate label ${JSON.stringify(d.label)} (first on line ${d.first})` +
        (duplicates.length > 1 ? `, and ${duplicates.length - 1} more duplicate line(s)` : "") +
        `. The de-duplicated list has ${unique.length} labels${shown}; write it with: awk 'NF && !seen[$0]++' ${path} > labels.dedup.txt`,
      { details: { argument: "--labels-file", path, line: d.line, label: d.label, unique } },
    );
  }
  return [...firstLine.keys()];
}

/**
 * Labels from `--labels` (repeatable; a value naming a built-in list, e.g. `imagenet`, expands
 * to it) plus `--labels-file`, in that order. A label given twice is `PROMPT_INVALID`.
 */
export async function readLabels(
  labels: string | readonly string[] | undefined,
  labelsFile: string | undefined,
): Promise<ClassSpec[]> {
  const out: ClassSpec[] = [];
  const values = labels === undefined ? [] : typeof labels === "string" ? [labels] : labels;
  for (const value of values) {
    const builtin = builtinLabels(value.trim());
    if (builtin) out.push(...builtin);
    else out.push(...parseList(value).map((label) => ({ label })));
  }
  if (labelsFile !== undefined) out.push(...(await readLabelsFile(labelsFile)).map((label) => ({ label })));
  if (out.length === 0)
    throw usageError("no labels: pass --labels a,b,c, --labels imagenet or --labels-file FILE", "--labels");
  const seen = new Set<string>();
  for (const s of out) {
    if (seen.has(s.label)) {
      throw new ClipkitError(
        "PROMPT_INVALID",
        `label ${JSON.stringify(s.label)} is given twice (--labels / --labels-file)`,
        {
          details: { argument: "--labels", label: s.label },
        },
      );
    }
    seen.add(s.label);
  }
  return out;
}
