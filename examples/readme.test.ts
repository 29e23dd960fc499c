import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

/** The README's "A quick tour" TypeScript block, exactly as a reader would copy it. */
function tourSnippet(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.split("## A quick tour")[1] ?? "";
  const code = section.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error("README.md has no ts block under 'A quick tour'");
  return code;
}

describe("README quick tour", () => {
  it("runs as written and gives the results its comments promise", () => {
    // Inside examples/ so the workspace packages resolve as they do for the examples.
    const file = join(root, "examples", `.readme-tour-${process.pid}.ts`);
    writeFileSync(file, `${tourSnippet()}\nconsole.log(JSON.stringify({ top: result!.top, hits }));\n`);
    try {
      const run = spawnSync("npx", ["tsx", "--conditions=@clipkit/source", file], {
        cwd: root,
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(run.stderr).not.toMatch(/Error/);
      expect(run.status).toBe(0);
      const out = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as {
        top: { label: string; score: number; cosine: number }[];
        hits: { id: string; score: number }[][];
      };
      expect(out.top[0]!.label).toBe("rocket");
      expect(out.top).toHaveLength(2);
      expect(out.hits[0]![0]!.id).toBe("rocket.png");
    } finally {
      rmSync(file, { force: true });
    }
  }, 90_000);
});
