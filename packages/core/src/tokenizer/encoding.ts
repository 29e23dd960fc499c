import { ClipkitError } from "../errors.js";
import type { BatchEncodeOptions, BatchEncoding, EncodeOptions } from "./types.js";

/** The ids a tokenizer wraps around every text when `addSpecialTokens` is on. */
export interface SpecialIds {
  readonly prefix: readonly number[];
  readonly suffix: readonly number[];
}

/** Validates `maxLength` (falling back to the tokenizer's context length). */
export function resolveMaxLength(options: EncodeOptions | undefined, modelMaxLength: number): number {
  const maxLength = options?.maxLength ?? modelMaxLength;
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new ClipkitError("INVALID_ARGUMENT", `maxLength must be a positive integer, got ${maxLength}`, {
      details: { argument: "maxLength", value: maxLength },
    });
  }
  return maxLength;
}

/**
 * Wraps core ids in the special tokens and truncates. Truncation drops content ids, never the
 * suffix: CLIP reads its text feature at the end-of-text position, so EOT must stay last.
 */
export function finishIds(
  core: readonly number[],
  specials: SpecialIds,
  options: EncodeOptions | undefined,
  modelMaxLength: number,
): number[] {
  const maxLength = resolveMaxLength(options, modelMaxLength);
  const truncation = options?.truncation ?? true;
  if (options?.addSpecialTokens === false) {
    return truncation && core.length > maxLength ? core.slice(0, maxLength) : [...core];
  }
  const { prefix, suffix } = specials;
  let body = core;
  if (truncation) {
    const room = maxLength - prefix.length - suffix.length;
    if (room < 0) {
      throw new ClipkitError(
        "INVALID_ARGUMENT",
        `maxLength ${maxLength} leaves no room for the ${prefix.length + suffix.length} special tokens`,
        { details: { argument: "maxLength", value: maxLength } },
      );
    }
    if (body.length > room) body = body.slice(0, room);
  }
  return [...prefix, ...body, ...suffix];
}

/** Checks that `texts` is an array of strings, naming the first bad entry. */
export function assertTexts(texts: readonly string[]): void {
  if (!Array.isArray(texts)) {
    throw new ClipkitError("INVALID_ARGUMENT", "texts must be an array of strings", {
      details: { argument: "texts" },
    });
  }
  texts.forEach((text, index) => {
    assertText(text, `texts[${index}]`);
  });
}

/** Checks that one input is a string. */
export function assertText(text: unknown, argument = "text"): asserts text is string {
  if (typeof text !== "string") {
    throw new ClipkitError("INVALID_ARGUMENT", `${argument} must be a string, got ${typeof text}`, {
      details: { argument },
    });
  }
}

/**
 * Pads encoded rows with `padId` (on the right unless `side` says left) and builds attention masks. `"max_length"` pads to
 * `maxLength` (rows already longer, when truncation is off, set the width instead).
 */
export function padRows(
  rows: number[][],
  padding: BatchEncodeOptions["padding"],
  maxLength: number,
  padId: number,
  side: "left" | "right" = "right",
): BatchEncoding {
  const longest = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const width = padding === "max_length" ? Math.max(maxLength, longest) : padding === "longest" ? longest : 0;
  const inputIds: number[][] = [];
  const attentionMask: number[][] = [];
  for (const row of rows) {
    const pad = Math.max(0, width - row.length);
    const ones = new Array<number>(row.length).fill(1);
    const padding = new Array<number>(pad).fill(padId);
    const zeros = new Array<number>(pad).fill(0);
    if (side === "left") {
      inputIds.push(pad === 0 ? row : padding.concat(row));
      attentionMask.push(zeros.concat(ones));
    } else {
      inputIds.push(pad === 0 ? row : row.concat(padding));
      attentionMask.push(ones.concat(zeros));
    }
  }
  return { inputIds, attentionMask };
}
