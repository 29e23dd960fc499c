import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

describe("examples/serve.ts", () => {
  it("indexes, serves, answers text and image queries and a typed error, then exits 0", () => {
    const run = spawnSync("npx", ["tsx", "--conditions=@clipkit/source", "examples/serve.ts"], {
      cwd: root,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/serving http:\/\/127\.0\.0\.1:\d+/);
    expect(run.stdout).toMatch(/text "a violin":\n {2}0\.\d{4} {2}violin\.png/);
    expect(run.stdout).toMatch(/image kangaroo\.png:\n {2}1\.0000 {2}kangaroo\.png/);
    expect(run.stdout).toContain("k = 0 → 400");
  }, 150_000);
});
