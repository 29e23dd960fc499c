import { ClipkitError } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { mapFiles } from "./per-file.js";

describe("mapFiles", () => {
  it("skips a file that fails alone and keeps the input order", async () => {
    const { results, failed } = await mapFiles(["a", "bad", "c"], 2, async (batch) => {
      if (batch.includes("bad")) throw new ClipkitError("IMAGE_DECODE_FAILED", "bad: cannot decode");
      return batch.map((p) => p.toUpperCase());
    });
    expect(results).toEqual(["A", undefined, "C"]);
    expect(failed).toEqual([{ path: "bad", code: "IMAGE_DECODE_FAILED", message: "bad: cannot decode" }]);
  });

  it.each(["PROMPT_INVALID", "INVALID_ARGUMENT", "MODEL_FILE_MISSING"] as const)(
    "stops the run on %s (it concerns every file, not one) after one call",
    async (code) => {
      let calls = 0;
      const run = mapFiles(["a", "b", "c"], 2, async () => {
        calls++;
        throw new ClipkitError(code, "the prompt is wrong for this model");
      });
      await expect(run).rejects.toMatchObject({ code });
      expect(calls).toBe(1);
    },
  );
});
