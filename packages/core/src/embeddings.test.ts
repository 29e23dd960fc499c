import { describe, expect, it } from "vitest";
import { concatEmbeddings, createEmbeddings, row } from "./embeddings.js";
import { ClipkitError, isClipkitError, wrapError } from "./errors.js";

const space = { id: "m", dim: 2, normalized: true };

describe("Embeddings", () => {
  it("checks the buffer size and slices rows without copying", () => {
    const e = createEmbeddings(new Float32Array([1, 0, 0, 1]), 2, space);
    expect(row(e, 1)).toEqual(new Float32Array([0, 1]));
    expect(row(e, 1).buffer).toBe(e.data.buffer);
    expect(() => createEmbeddings(new Float32Array(3), 2, space)).toThrowError(
      expect.objectContaining({ code: "SHAPE_MISMATCH" }),
    );
    expect(() => row(e, 2)).toThrowError(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });

  it("concatenates batches of one space and refuses to mix spaces", () => {
    const a = createEmbeddings(new Float32Array([1, 0]), 1, space);
    const b = createEmbeddings(new Float32Array([0, 1]), 1, space);
    expect(concatEmbeddings([a, b]).data).toEqual(new Float32Array([1, 0, 0, 1]));
    const other = createEmbeddings(new Float32Array([0, 1]), 1, { ...space, id: "other" });
    expect(() => concatEmbeddings([a, other])).toThrowError(
      expect.objectContaining({ code: "SPACE_MISMATCH" }),
    );
  });
});

describe("ClipkitError", () => {
  it("carries a stable code, details and cause, and is recognised across copies", () => {
    const cause = new Error("boom");
    const e = new ClipkitError("IO_FAILED", "cannot read x", { cause, details: { path: "x" } });
    expect(e.code).toBe("IO_FAILED");
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual({ path: "x" });
    expect(e.name).toBe("ClipkitError");
    expect(isClipkitError(e)).toBe(true);
    expect(isClipkitError(e, "IO_FAILED")).toBe(true);
    expect(isClipkitError(e, "NOT_FOUND")).toBe(false);
    expect(isClipkitError(new Error("x"))).toBe(false);
    const wrapped = wrapError(cause, "INFERENCE_FAILED", "run failed");
    expect(wrapped.code).toBe("INFERENCE_FAILED");
    expect(wrapped.message).toContain("boom");
    expect(wrapError(e, "INFERENCE_FAILED", "x")).toBe(e);
  });
});
