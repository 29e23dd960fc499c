import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const ref = JSON.parse(
  readFileSync(join(root, "fixtures/models/tiny-llava/reference-chat.json"), "utf8"),
) as {
  cases: { name: string; text: string }[];
};

describe("examples/vqa-chat.ts", () => {
  it("answers the two-image chat as transformers' generate() does (tiny-llava)", async () => {
    const { stdout, stderr } = await promisify(execFile)(
      "npx",
      ["tsx", "--conditions=@clipkit/source", "examples/vqa-chat.ts"],
      { cwd: root, encoding: "utf8", timeout: 90_000 },
    );
    expect(stderr).not.toMatch(/Error/);
    expect(stdout).toMatch(/family llava, answers .*chat/);
    const two = ref.cases.find((c) => c.name === "two images")!;
    expect(stdout).toContain(`two images, streamed: ${two.text}\n`);
    expect(stdout).toMatch(/with a system prompt, beam 3: \S+/);
    expect(stdout).toMatch(/second turn: \S+/);
  }, 120_000);
});
