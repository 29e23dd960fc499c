/**
 * Evaluation manifests: which images to evaluate and what each one shows.
 *
 * Accepted forms (paths are relative to the manifest's folder unless absolute):
 * - JSON Lines, one item per line: `{"image": "images/cat.png", "label": "cat face", "captions": ["a cat face"]}`
 * - a JSON array of such items;
 * - a JSON object `{"classes": [...], "items": [...]}`, where `classes` adds class names with no
 *   image (distractors) to the zero-shot label set.
 *
 * Zero-shot needs `label` on every item; retrieval needs `captions` or falls back to `[label]`.
 */
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { ClipkitError } from "@clipkit/core";

/** One evaluated image. */
export interface EvalItem {
  /** Absolute path of the image file. */
  readonly image: string;
  /** Class name for zero-shot classification. */
  readonly label?: string;
  /** Texts that describe the image, for retrieval (never empty when present). */
  readonly captions?: readonly string[];
}

/** A parsed manifest. */
export interface EvalManifest {
  /** Where it was read from, for messages. */
  readonly source: string;
  readonly items: readonly EvalItem[];
  /** Extra class names (without images) that join the zero-shot label set. */
  readonly extraClasses: readonly string[];
}

function invalid(source: string, message: string, line?: number): ClipkitError {
  const where = line === undefined ? source : `${source}:${line}`;
  return new ClipkitError("INVALID_ARGUMENT", `eval manifest ${where}: ${message}`, {
    details: { file: source, ...(line === undefined ? {} : { line }) },
  });
}

function nonBlank(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

function parseItem(raw: unknown, baseDir: string, source: string, line: number): EvalItem {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalid(source, "each item must be an object with an `image` path", line);
  }
  const r = raw as Record<string, unknown>;
  if (!nonBlank(r.image)) throw invalid(source, "`image` must be a non-empty path", line);
  const item: { image: string; label?: string; captions?: string[] } = {
    image: isAbsolute(r.image) ? r.image : resolve(baseDir, r.image),
  };
  if (r.label !== undefined) {
    if (!nonBlank(r.label)) throw invalid(source, "`label` must be a non-empty string", line);
    item.label = r.label;
  }
  if (r.captions !== undefined) {
    if (!Array.isArray(r.captions) || r.captions.length === 0 || !r.captions.every(nonBlank)) {
      throw invalid(source, "`captions` must be a non-empty array of non-empty strings", line);
    }
    item.captions = r.captions as string[];
  }
  return item;
}

function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function isItemObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "image" in value;
}

/**
 * Parses manifest text. `baseDir` resolves relative image paths; `source` names the file in errors.
 * Throws `INVALID_ARGUMENT` naming the line of the first bad item.
 */
export function parseEvalManifest(text: string, baseDir: string, source = "manifest"): EvalManifest {
  const trimmed = text.trim();
  if (trimmed === "") throw invalid(source, "is empty");
  let rawItems: { raw: unknown; line: number }[];
  let extraClasses: string[] = [];
  const doc = tryParseJson(trimmed);
  if (doc.ok && (Array.isArray(doc.value) || !isItemObject(doc.value) || !trimmed.includes("\n"))) {
    const value = doc.value;
    if (Array.isArray(value)) {
      rawItems = value.map((raw, i) => ({ raw, line: i + 1 }));
    } else if (isItemObject(value)) {
      rawItems = [{ raw: value, line: 1 }];
    } else if (
      typeof value === "object" &&
      value !== null &&
      Array.isArray((value as { items?: unknown }).items)
    ) {
      const d = value as { items: unknown[]; classes?: unknown };
      rawItems = d.items.map((raw, i) => ({ raw, line: i + 1 }));
      if (d.classes !== undefined) {
        if (!Array.isArray(d.classes) || !d.classes.every(nonBlank)) {
          throw invalid(source, "`classes` must be an array of non-empty strings");
        }
        extraClasses = d.classes as string[];
      }
    } else {
      throw invalid(source, "must be JSON Lines, an array of items, or {classes, items}");
    }
  } else {
    // JSON Lines (a one-line file parses as JSON above and is the same single item).
    rawItems = [];
    for (const [i, line] of text.split(/\r?\n/).entries()) {
      if (line.trim() === "") continue;
      try {
        rawItems.push({ raw: JSON.parse(line), line: i + 1 });
      } catch (error) {
        throw new ClipkitError("INVALID_ARGUMENT", `eval manifest ${source}:${i + 1} is not valid JSON`, {
          cause: error,
          details: { file: source, line: i + 1 },
        });
      }
    }
  }
  const items = rawItems.map(({ raw, line }) => parseItem(raw, baseDir, source, line));
  if (items.length === 0) throw invalid(source, "lists no items");
  return { source, items, extraClasses };
}

/** Reads and parses a manifest file (see {@link parseEvalManifest}). */
export async function readEvalManifest(path: string): Promise<EvalManifest> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ClipkitError("IO_FAILED", `cannot read eval manifest ${path}: ${(error as Error).message}`, {
      cause: error,
      details: { file: path },
    });
  }
  return parseEvalManifest(text, dirname(resolve(path)), path);
}
