import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

describe("pnpm demo", () => {
  it("runs end to end on the bundled model and assets in under a minute", () => {
    const started = Date.now();
    const run = spawnSync("npx", ["tsx", "--conditions=@clipkit/source", "examples/demo.ts"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.error).toBeUndefined();
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    const out = run.stdout;
    expect(out).toMatch(/bundled model clipkit\/emoji-clip-64@[0-9a-f]+ \(128-d\), 24 images/);
    // The model's clearest cases: a real regression (a broken tokenizer, preprocessing or export)
    // would not rank these first.
    expect(out).toMatch(/✓ red-heart\.png\s+→ red heart/);
    expect(out).toMatch(/"a red heart"\s+→ red-heart\.png/);
    expect(out).toMatch(/Image search/);
    const [, correct] = out.match(/top-1 on all 24 images: (\d+)\/24/) ?? [];
    expect(Number(correct)).toBeGreaterThanOrEqual(12);
    expect(out).toMatch(
      /clipkit eval zeroshot, .*top-1 \d+\.\d%, top-5 \d+\.\d% over 24 classes \(chance 4\.2%\)/,
    );
  }, 90_000);
});
