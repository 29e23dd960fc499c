import { describe, expect, it } from "vitest";
import { expectClipkitError } from "../testing.js";
import { requireHubModelRef } from "./repo-id.js";

describe("requireHubModelRef", () => {
  it("takes the revision option over the id's @revision over main", () => {
    expect(requireHubModelRef("o/n")).toEqual({ repo: "o/n", revision: "main" });
    expect(requireHubModelRef("o/n@v1")).toEqual({ repo: "o/n", revision: "v1" });
    expect(requireHubModelRef("o/n@v1", "refs/pr/2")).toEqual({ repo: "o/n", revision: "refs/pr/2" });
  });

  it("throws INVALID_ARGUMENT naming the id or the revision at fault", () => {
    for (const id of ["clip", "a/b/c", "../a", "a--b/c"]) {
      expect(expectClipkitError(() => requireHubModelRef(id), "INVALID_ARGUMENT").details).toEqual({
        argument: "model",
        value: id,
      });
    }
    for (const [id, revision] of [
      ["o/n@../x", undefined],
      ["o/n", "../x"],
      ["o/n@v1", ""],
      ["o/n", "a\u0000b"],
    ] as const) {
      const error = expectClipkitError(() => requireHubModelRef(id, revision), "INVALID_ARGUMENT");
      expect(error.details.argument).toBe("revision");
    }
  });
});
