import { resolve, sep } from "node:path";
import { isClipkitError, parseHubModelRef } from "@clipkit/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeEtag, within } from "./cache.js";

const root = resolve("/tmp/clipkit-cache-root");
// Path pieces that attack a join: traversal, separators of both OSes, drive letters, UNC prefixes.
const piece = fc.constantFrom(
  "..",
  ".",
  "",
  "a",
  "b.json",
  "onnx",
  "\\",
  "..\\..",
  "C:",
  "c:x",
  "//srv",
  "/",
  "%2e%2e",
);
const path = fc.array(piece, { minLength: 1, maxLength: 6 }).map((p) => p.join("/"));

describe("within", () => {
  it("returns a path inside the root or throws INVALID_ARGUMENT, for any mix of traversal pieces", () => {
    fc.assert(
      fc.property(path, (p) => {
        try {
          const full = within(root, p);
          expect(full === root || full.startsWith(root + sep)).toBe(true);
          expect(p.split("/")).not.toContain("..");
        } catch (error) {
          expect(isClipkitError(error, "INVALID_ARGUMENT")).toBe(true);
        }
      }),
    );
  });

  it("joins ordinary repo paths", () => {
    expect(within(root, "onnx/model.onnx")).toBe(resolve(root, "onnx", "model.onnx"));
  });
});

describe("repo ids", () => {
  it("accept owner/name[@revision] and refuse shapes that could name another folder", () => {
    expect(parseHubModelRef("Xenova/clip-vit-base-patch32")).toEqual({
      repo: "Xenova/clip-vit-base-patch32",
      revision: undefined,
    });
    expect(parseHubModelRef("openai/clip-vit-base-patch32@refs/pr/1")?.revision).toBe("refs/pr/1");
    for (const bad of [
      "clip",
      "a/b/c",
      "../a",
      "a/..",
      "a--b/c",
      "-a/b",
      "a/b.",
      "./a",
      "/a/b",
      "a/b/",
      "a b/c",
    ]) {
      expect(parseHubModelRef(bad)).toBeUndefined();
    }
    expect(() => parseHubModelRef("a/b@../../x")).toThrow(/not a valid revision/);
  });

  it("ETags lose their quotes and weak marker as in huggingface_hub", () => {
    expect(normalizeEtag('W/"abc"')).toBe("abc");
    expect(normalizeEtag('"abc"')).toBe("abc");
  });
});
