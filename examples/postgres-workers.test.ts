import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

describe("examples/postgres-workers.ts", () => {
  it("two worker processes fill one PGlite table, each file once, and it answers a text query", async () => {
    // Asynchronous on purpose: a worker blocked in spawnSync for a minute misses vitest's RPC.
    const run = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((done) =>
      execFile(
        "npx",
        ["tsx", "--conditions=@clipkit/source", "examples/postgres-workers.ts", "2"],
        { cwd: root, encoding: "utf8", timeout: 170_000 },
        (error, stdout, stderr) => done({ error, stdout, stderr }),
      ),
    );
    expect(run.error, run.stderr).toBeNull();
    expect(run.stdout).toContain("table emoji: 48 rows, 48 embeddings committed (each file once)");
    expect(run.stdout).toMatch(/text "a violin":\n {2}0\.\d{4} {2}copy0\/violin\.png/);
  }, 180_000);
});
