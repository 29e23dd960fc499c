/**
 * The README's command-line lines, run verbatim through a shell from the repository root, as a
 * reader who just ran the two set-up commands would (no build). The first `sh` block after
 * "The same from the command line" must run as written on the bundled model and demo images; the
 * README's other `clipkit` lines must name a model folder of the reader's own (`--model …DIR`) or
 * a hub id (`--model owner/name`, `clipkit download|cache …`), which needs the network.
 */
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const FORM = "npx -y pnpm@12.4.2 clipkit";

function shBlocks(text: string): string[][] {
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.split("\n").filter((l) => l.trim()));
}

const runnable = shBlocks(readme.split("The same from the command line")[1] ?? "")[0] ?? [];
const allCliLines = shBlocks(readme)
  .flat()
  .filter((l) => /\bclipkit\b/.test(l));

/** Runs one line in bash without blocking the test worker (a blocked worker misses vitest's RPC). */
function run(line: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      ["-c", line],
      { cwd: root, encoding: "utf8", timeout: 180_000 },
      (error, stdout, stderr) => {
        resolve({ status: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** What each runnable line must print, keyed by its sub-command. */
const expectations: Record<string, (stdout: string) => void> = {
  "--help": (out) => expect(out).toMatch(/^Usage: clipkit <command>/),
  classify: (out) => expect(out.split("\n")[1]).toMatch(/^\s+[\d.]+\s+rocket\s/),
  index: (out) => expect(out).toMatch(/demo\.ckidx: 24 images in an exact index/),
  search: (out) => expect(out.split("\n")[0]).toMatch(/^\s+1\s+[\d.]+\s+.*red-heart\.png$/),
  eval: (out) => expect(out).toMatch(/zero-shot on .*manifest\.jsonl: 24 images, 24 classes/),
};

afterAll(() => rmSync(join(root, "demo.ckidx"), { force: true }));

describe("README command-line lines", () => {
  it("use the in-repo form everywhere; lines outside the runnable block need the reader's model", () => {
    expect(runnable.length).toBeGreaterThanOrEqual(4);
    for (const line of allCliLines) expect(line.startsWith(`${FORM} `)).toBe(true);
    for (const line of allCliLines.filter((l) => !runnable.includes(l))) {
      expect(line).toMatch(/--model ([A-Z_]*DIR\b|[A-Za-z0-9][\w.-]*\/[\w.-]+)|clipkit (download|cache) /);
    }
  });

  it("the demo's last line is one of the runnable README lines", () => {
    const demo = readFileSync(join(root, "examples", "demo.ts"), "utf8");
    const tryLine = demo.match(/Try: (npx [^`]*)`/)?.[1];
    expect(runnable).toContain(tryLine);
  });

  it("run verbatim on the bundled model and images, in order", async () => {
    for (const line of runnable) {
      const sub = line.slice(FORM.length + 1).split(" ")[0]!;
      const check = expectations[sub];
      expect(check, `no expectation for '${sub}'`).toBeDefined();
      const r = await run(line);
      expect(r.stderr, line).not.toMatch(/error|Error/);
      expect(r.status, `${line}\n${r.stderr}`).toBe(0);
      check!(r.stdout);
    }
  }, 600_000);
});
