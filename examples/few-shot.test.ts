import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

describe("examples/few-shot.ts", () => {
  it("teaches the bundled model six categories from a rendered folder and beats zero-shot on new images", () => {
    const run = spawnSync(
      "npx",
      ["tsx", "--conditions=@clipkit/source", "examples/few-shot.ts", "--method", "tip"],
      {
        cwd: root,
        encoding: "utf8",
        timeout: 280_000,
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/48 images in 6 categories/);
    expect(out).toMatch(
      /trained tip in \d+ ms on 48 images \(8\+ per category\), chosen \{"alpha":[\d.]+,"beta":[\d.]+\} by validation/,
    );
    const [, adapted, zeroShot] = out.match(/new images: tip top-1 (\d+) %, zero-shot top-1 (\d+) %/) ?? [];
    expect(Number(adapted)).toBeGreaterThanOrEqual(Number(zeroShot));
  }, 300_000);
});
