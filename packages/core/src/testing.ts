/**
 * Test helpers for clipkit's errors, shared by the packages' tests. Test-only: not exported from
 * the package index and not published (other packages' tests import it by relative path, as
 * `model/backend-cases.ts`).
 */
import { expect } from "vitest";
import { type ClipkitError, type ClipkitErrorCode, isClipkitError } from "./errors.js";

const NOT_THROWN = Symbol("not thrown");

function check(thrown: unknown, code: ClipkitErrorCode): ClipkitError {
  if (thrown === NOT_THROWN) throw new Error(`expected ClipkitError ${code}`);
  // A wrong code or another kind of error fails here showing what was thrown.
  expect(isClipkitError(thrown) ? thrown.code : thrown).toBe(code);
  return thrown as ClipkitError;
}

/** Asserts that `fn()` throws a `ClipkitError` with `code`; returns it for further checks. */
export function expectClipkitError(fn: () => unknown, code: ClipkitErrorCode): ClipkitError {
  let thrown: unknown = NOT_THROWN;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  return check(thrown, code);
}

/**
 * Asserts that `work` (a promise, or a function that throws or returns one) fails with a
 * `ClipkitError` with `code`; returns it for further checks.
 */
export async function expectClipkitRejection(
  work: Promise<unknown> | (() => unknown),
  code: ClipkitErrorCode,
): Promise<ClipkitError> {
  let thrown: unknown = NOT_THROWN;
  try {
    await (typeof work === "function" ? work() : work);
  } catch (error) {
    thrown = error;
  }
  return check(thrown, code);
}

/**
 * What `fn` throws, as one string for table-style assertions: `details[key]` of a `ClipkitError`
 * with `code`, `"other"` for any other error (or code), `"none"` when it returns.
 */
export function thrownDetail(fn: () => unknown, code: ClipkitErrorCode, key: string): string {
  try {
    fn();
  } catch (error) {
    return isClipkitError(error, code) ? String(error.details[key]) : "other";
  }
  return "none";
}
