/**
 * Runs every `*.bench.ts` in this folder one after another, each in its own process so one
 * benchmark's memory and JIT state do not skew the next.
 *
 *   pnpm bench                     # all benchmarks, default sizes
 *   pnpm bench --quick             # smaller sizes (minutes instead of tens of minutes)
 *   pnpm bench --only tokenizer    # one or more (comma-separated) benchmarks by name
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { quick: { type: "boolean", default: false }, only: { type: "string" } },
});

/** Reduced sizes for `--quick`, per benchmark; every flag here is one the benchmark parses. */
const quickArgs: Record<string, string[]> = {
  embed: ["--rounds", "2"],
  florence2: ["--rounds", "1"],
  generation: ["--rounds", "3"],
  preprocess: ["--rounds", "5"],
  retrieval: ["--n", "20000", "--queries", "32", "--pg-n", "2000"],
  "retrieval-exact": ["--n", "20000", "--queries", "32", "--rounds", "2"],
  fewshot: ["--classes", "200", "--rounds", "2", "--no-browser"],
  tokenizer: ["--rounds", "2"],
  "vlm-families": ["--calls", "2"],
  zeroshot: ["--classes", "100", "--templates", "20", "--rounds", "3"],
};

const only = values.only?.split(",").map((s) => s.trim());
const names = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .filter((n) => !only || only.includes(n))
  .sort();

let failed = 0;
for (const name of names) {
  console.log(`\n=== ${name} ===`);
  const args = values.quick ? (quickArgs[name] ?? []) : [];
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "--conditions=@clipkit/source", join(here, `${name}.bench.ts`), ...args],
    { stdio: "inherit", cwd: join(here, "..") },
  );
  if (r.status !== 0) {
    failed++;
    console.error(`${name}: exited with ${r.status ?? r.signal}`);
  }
}
process.exitCode = failed ? 1 : 0;
