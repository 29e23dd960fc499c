import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

describe("examples/blip.ts", () => {
  it("captions (unconditional and prompted, beam 3) and answers questions on the tiny BLIP fixtures", async () => {
    // Async so the worker keeps answering vitest while the example runs.
    const { stdout, stderr } = await promisify(execFile)(
      "npx",
      ["tsx", "--conditions=@clipkit/source", "examples/blip.ts"],
      { cwd: root, encoding: "utf8", timeout: 90_000 },
    );
    expect(stderr).not.toMatch(/Error/);
    expect(stdout).toMatch(/captioner family: blip/);
    expect(stdout).toMatch(/chelsea\.jpg \(beam 3\): a picture of \S/);
    expect(stdout).toMatch(/VQA family: blip/);
    const answers = [...stdout.matchAll(/Q: what is in the picture\? {2}A: (.+)/g)].map((m) => m[1]);
    const streamed = /streamed: (.+)/.exec(stdout)?.[1];
    // The streamed answer is the batched one, token for token.
    expect(streamed).toBe(answers[0]);
  }, 120_000);
});
