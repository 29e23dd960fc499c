import { ClipkitError } from "../errors.js";
import type { ResampleFilter } from "./types.js";

// Validators shared by the preprocessor-config readers. Every failure is a ClipkitError
// `MODEL_CONFIG_INVALID` naming the key at fault.

/** Pillow's `Image.Resampling` integer values, as stored in HF `resample` fields. */
export const PIL_FILTERS: readonly ResampleFilter[] = [
  "nearest",
  "lanczos",
  "bilinear",
  "bicubic",
  "box",
  "hamming",
];

export type Json = Record<string, unknown>;

export function fail(message: string, key: string, extra: Json = {}): never {
  throw new ClipkitError("MODEL_CONFIG_INVALID", `preprocessor config: ${message}`, {
    details: { file: "preprocessor_config.json", key, ...extra },
  });
}

export function positiveInt(value: unknown, key: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    fail(`${key} must be a positive integer, got ${JSON.stringify(value)}`, key);
  }
  return value;
}

export function finiteNumber(value: unknown, key: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    fail(`${key} must be a finite number, got ${JSON.stringify(value)}`, key);
  }
  return value;
}

export function triple(value: unknown, key: string): [number, number, number] {
  const list = typeof value === "number" ? [value, value, value] : value;
  if (
    !Array.isArray(list) ||
    list.length !== 3 ||
    !list.every((v) => typeof v === "number" && Number.isFinite(v))
  ) {
    fail(`${key} must be a number or 3 finite numbers, got ${JSON.stringify(value)}`, key);
  }
  return [list[0], list[1], list[2]];
}

export function bool(value: unknown, key: string): boolean {
  if (typeof value !== "boolean") fail(`${key} must be a boolean, got ${JSON.stringify(value)}`, key);
  return value;
}

export function resampleOf(value: unknown, key: string): ResampleFilter {
  if (typeof value === "number" && PIL_FILTERS[value] !== undefined) return PIL_FILTERS[value]!;
  if (typeof value === "string" && (PIL_FILTERS as readonly string[]).includes(value)) {
    return value as ResampleFilter;
  }
  return fail(`${key} must be a Pillow filter (0-5 or a name), got ${JSON.stringify(value)}`, key);
}
