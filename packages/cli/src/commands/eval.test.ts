/**
 * `clipkit eval` on the bundled emoji model: it reproduces the PyTorch reference numbers on the
 * committed twemoji subset (tools/train/reference_subset.py wrote reference.json).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { emojiModelDir } from "@clipkit/model-emoji";
import { describe, expect, it } from "vitest";
import { runCliCaptured } from "../util/test-io.js";

const subset = join(emojiModelDir, "..", "eval", "twemoji-sample");
const manifestPath = join(subset, "manifest.jsonl");
const reference = JSON.parse(readFileSync(join(subset, "reference.json"), "utf8")) as {
  zeroshot: Record<"bare", { top1: number }>;
};
// One image of 48 either way: onnxruntime vs PyTorch float noise may flip a near tie.
const ONE_IMAGE = 1 / 48 + 1e-6;

describe("clipkit eval", () => {
  it("clipkit eval uses the bundled model without --model and prints JSON or a table", async () => {
    const json = await runCliCaptured([
      "eval",
      "zeroshot",
      "--data",
      manifestPath,
      "--templates",
      "bare",
      "--json",
    ]);
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      set: string;
      metrics: { topK: Record<string, number>; classes: number };
    };
    expect(report.set).toBe("bare");
    expect(report.metrics.classes).toBe(48);
    expect(Math.abs(report.metrics.topK["1"]! - reference.zeroshot.bare.top1)).toBeLessThanOrEqual(ONE_IMAGE);

    const table = await runCliCaptured([
      "eval",
      "retrieval",
      "--data",
      manifestPath,
      "--model",
      emojiModelDir,
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/retrieval on .*: 48 images, 48 captions/);
    expect(table.stdout).toMatch(/R@10 /);
  });

  it("rejects a missing task, manifest or bad --k with usage errors", async () => {
    expect((await runCliCaptured(["eval", "--data", manifestPath])).stderr).toMatch(
      /INVALID_ARGUMENT.*zeroshot\|retrieval/,
    );
    expect((await runCliCaptured(["eval", "zeroshot"])).stderr).toMatch(/--data MANIFEST is required/);
    expect((await runCliCaptured(["eval", "zeroshot", "--data", manifestPath, "--k", "0"])).stderr).toMatch(
      /--k/,
    );
    const missing = await runCliCaptured(["eval", "zeroshot", "--data", join(subset, "nope.jsonl")]);
    expect(missing.stderr).toMatch(/IO_FAILED/);
  });
});
