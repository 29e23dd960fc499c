import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

it("florence2-tasks.ts runs every task on the tiny Florence-2 and prints parsed results", async () => {
  // Async so the worker keeps answering vitest while the example runs.
  const { stdout, stderr } = await promisify(execFile)(
    "npx",
    ["tsx", "--conditions=@clipkit/source", "examples/florence2-tasks.ts"],
    { cwd: root, encoding: "utf8", timeout: 90_000 },
  );
  expect(stderr).not.toMatch(/Error/);
  expect(stdout).toMatch(/family: florence2/);
  expect(stdout).toMatch(/coffee\.jpg \(600×400\)/);
  for (const task of ["<CAPTION>", "<DETAILED_CAPTION>", "<MORE_DETAILED_CAPTION>", "<OCR>", "<OD>"])
    expect(stdout).toContain(`${task}\n`);
  expect(stdout).toMatch(/<CAPTION_TO_PHRASE_GROUNDING> "a cup and a spoon"/);
  // Detection and grounding give boxes in pixels with one label each.
  expect(stdout).toMatch(/result: \{"bboxes":\[\[\d+,\d+,\d+,\d+\]/);
}, 120_000);
