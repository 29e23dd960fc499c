import { ClipkitError } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { mapFiles, namedImageError, skipReason } from "./per-file.js";

describe("mapFiles", () => {
  it("skips a file that fails alone and keeps the input order", async () => {
    const { results, failed } = await mapFiles(["a", "bad", "c"], 2, async (batch) => {
      if (batch.includes("bad")) throw new ClipkitError("IMAGE_DECODE_FAILED", "bad: cannot decode");
      return batch.map((p) => p.toUpperCase());
    });
    expect(results).toEqual(["A", undefined, "C"]);
    expect(failed).toEqual([{ path: "bad", code: "IMAGE_DECODE_FAILED", message: "cannot decode" }]);
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

describe("skipReason / namedImageError", () => {
  it("drop the batch position and the path however the path is spelled, and keep the rest", () => {
    const path = "photos/a (1)+[x].jpg";
    expect(skipReason(path, `images[3]: ${path}: cannot decode image: bad`)).toBe("cannot decode image: bad");
    expect(skipReason(path, "images[0]: <bytes>: cannot decode image: bad")).toBe("cannot decode image: bad");
    expect(skipReason(path, "images[0]: /abs/real.jpg: no such file", "/abs/real.jpg")).toBe("no such file");
    // A reason that merely mentions another file keeps it.
    expect(skipReason(path, "other.jpg: too large")).toBe("other.jpg: too large");
  });

  it("namedImageError puts the typed file where the batch position was", () => {
    const e = namedImageError(
      new ClipkitError(
        "IMAGE_DECODE_FAILED",
        "images[1]: /tmp/b.png: cannot decode image: empty input (0 bytes)",
        {
          details: { index: 1, file: "/tmp/b.png" },
        },
      ),
      ["a.png", "b.png"],
    ) as ClipkitError;
    expect(e.message).toBe("b.png: cannot decode image: empty input (0 bytes)");
    expect(e.details).toMatchObject({ file: "b.png", index: 1 });
    const other = new ClipkitError("ABORTED", "stopped");
    expect(namedImageError(other, ["a.png"])).toBe(other);
  });
});
