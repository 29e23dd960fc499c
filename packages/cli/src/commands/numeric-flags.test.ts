/**
 * Whole-number flags take what a user means and refuse the rest before anything runs: decimal
 * digits only, a safe integer, and an upper bound where the value sizes threads, buffers or a
 * timer in native code (a typo must not spawn 10⁶ onnxruntime threads or overflow setTimeout).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseIntFlag, parsePositiveInt } from "../util/args.js";
import { runCliCaptured as run } from "../util/test-io.js";

const FIXTURES = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
const IMAGE = join(FIXTURES, "images", "shapes.png");

describe("parseIntFlag", () => {
  it("accepts decimal digits in range, refuses other spellings and out-of-range values naming the flag", () => {
    expect(parsePositiveInt(" 12 ", "--k", 5)).toBe(12);
    expect(parseIntFlag("0", "--seed", 1, 0)).toBe(0);
    for (const bad of ["1e3", "0x10", "+3", "-1", "1.0", "", "99999999999999999999"]) {
      expect(() => parsePositiveInt(bad, "--k", 5), bad).toThrow(/^--k must be a positive integer, got /);
    }
    expect(() => parsePositiveInt("1025", "--threads", 1, 1024)).toThrow(
      '--threads must be at most 1024, got "1025"',
    );
    expect(() => parseIntFlag("-1", "--seed", 0, 0)).toThrow(/--seed must be a non-negative integer/);
  });
});

describe("bounded flags on the command line", () => {
  const cases: [string[], RegExp][] = [
    [["classify", IMAGE, "--labels", "a,b", "--threads", "100000"], /--threads must be at most 1024/],
    [
      ["classify", IMAGE, "--labels", "a,b", "--batch-size", "1e9"],
      /--batch-size must be a positive integer, got "1e9"/,
    ],
    [["index", IMAGE, "--out", "x.ckidx", "--ann", "--ef", "99999999999"], /--ef must be at most 100000/],
    [
      ["index", IMAGE, "--out", "x.ckidx", "--ann", "--connectivity", "1000000"],
      /--connectivity must be at most 1024/,
    ],
    [
      ["search", "a cat", "--index", "x.ckidx", "--ef", "1e20"],
      /--ef must be a positive integer, got "1e20"/,
    ],
    [
      ["serve", "--index", "x.ckidx", "--timeout-ms", "9999999999"],
      /--timeout-ms must be at most 2147483647/,
    ],
    [["caption", IMAGE, "--model", "m", "--batch-size", "5000"], /--batch-size must be at most 4096/],
  ];
  it.each(cases)("%j", async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[INVALID_ARGUMENT\]: /);
    expect(r.stderr).toMatch(message);
  });

  it("head train --seed 0 (the default) is accepted", async () => {
    const r = await run([
      "head",
      "train",
      join(FIXTURES, "no-such-folder"),
      "--method",
      "tip",
      "--seed",
      "0",
      "--out",
      join(FIXTURES, "..", "x.ckhead"),
    ]);
    expect(r.stderr).not.toMatch(/--seed/);
  });
});
