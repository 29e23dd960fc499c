/**
 * Few-shot training cost: 1,000 classes × 16 shots × 512-d (ImageNet-16-shot sized, the paper
 * setting of Tip-Adapter and CLIP's few-shot probes) on synthetic clustered embeddings, in Node
 * and, when Chromium is installed, in headless Chromium on the same code (bundled by esbuild).
 *
 *   npx tsx --conditions=@clipkit/source bench/fewshot.bench.ts [--classes 1000] [--shots 16] [--dim 512]
 *     [--probe-iterations 3] [--tip-epochs 1] [--no-tip-search] [--no-browser] [--rounds 3]
 *     [--backend-threads 1,2] [--no-backend] [--loo-all] [--browser-backend] [--probe-full] [--tip-only]
 *
 * In Node the workload runs `--rounds` times in one process; each step reports the median wall
 * time with the min–max over rounds, the median CPU time (on a shared machine wall time overstates
 * the cost) and the load average before and after. Unless `--no-backend`, every step runs with
 * both drivers of the training code, interleaved: the WebAssembly kernel (`trainHead`) and
 * onnxruntime-node's GEMM (`trainHeadAsync`) at each of `--backend-threads` intra-op threads
 * (see fewshot-backend.ts); `--loo-all` adds the uncapped leave-one-out search.
 *
 * Reported: Tip-Adapter's training-free cache (fixed α, β), its leave-one-out (α, β) search on a
 * 3 × 3 grid and with the default grids (`buildTipAdapter(zeroShot, data)`, no options; `--tip-only`
 * times only these Tip-Adapter rows);
 * a fixed-λ linear probe for a capped number of L-BFGS iterations; one probe loss + gradient
 * evaluation next to one X·Wᵀ product of the same size (the product is the floor: each
 * evaluation needs one forward and one gradient product); one Tip-Adapter-F epoch.
 *
 * `--probe-full` also times one default `probe` and one `zs-probe` fit end to end (cross-validated
 * λ path, then the refit) on onnxruntime-node's GEMM at the largest of `--backend-threads`, with
 * the number of products and the time spent in them.
 *
 * In Chromium the sync workload runs once; with `--browser-backend` every step instead runs with
 * both drivers there, the kernel and `trainHeadAsync` on onnxruntime-web (wasm, one thread), wall
 * time only (a page has no CPU clock).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bundleForBrowser } from "../tools/browser-test/bundle.js";
import { chromiumMissing, launchChromium } from "../tools/browser-test/chromium.js";
import { ortDistDir } from "../tools/browser-test/harness.js";
import { startStaticServer } from "../tools/browser-test/server.js";
import { type Comparison, runBackendComparison, timeFullProbe } from "./fewshot-backend.js";
import { runWorkload, type Timings, type WorkloadSize } from "./fewshot-workload.js";

const { values } = parseArgs({
  options: {
    classes: { type: "string", default: "1000" },
    shots: { type: "string", default: "16" },
    dim: { type: "string", default: "512" },
    "probe-iterations": { type: "string", default: "3" },
    "tip-epochs": { type: "string", default: "1" },
    "no-tip-search": { type: "boolean", default: false },
    "no-browser": { type: "boolean", default: false },
    rounds: { type: "string", default: "3" },
    "backend-threads": { type: "string", default: "1,2" },
    "no-backend": { type: "boolean", default: false },
    "loo-all": { type: "boolean", default: false },
    "browser-backend": { type: "boolean", default: false },
    "probe-full": { type: "boolean", default: false },
    "tip-only": { type: "boolean", default: false },
  },
});
const size: WorkloadSize = {
  classes: Number(values.classes),
  shots: Number(values.shots),
  dim: Number(values.dim),
  probeIterations: Number(values["probe-iterations"]),
  tipEpochs: Number(values["tip-epochs"]),
  tipSearch: !values["no-tip-search"],
  tipOnly: values["tip-only"],
};

function print(where: string, t: Timings): void {
  console.log(
    `\n${where}: ${size.classes} classes × ${size.shots} shots × ${size.dim}-d (${t.examples} examples)`,
  );
  for (const [name, ms] of Object.entries(t)) {
    if (name === "examples" || name.endsWith("[cpu]")) continue;
    const c = t[`${name} [cpu]`];
    console.log(
      `  ${name.padEnd(48)} ${(ms / 1000).toFixed(3)} s${c === undefined ? "" : ` (cpu ${(c / 1000).toFixed(3)} s)`}`,
    );
  }
  if (size.tipOnly) return;
  const ratio = t["probe: one loss + gradient evaluation"]! / t["one X·Wᵀ product (n × classes × dim)"]!;
  console.log(`  probe evaluation / one product: ${ratio.toFixed(2)}× (2 products is the floor)`);
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Median CPU and wall per step and driver over the rounds, and each driver's CPU ratio to wasm. */
function printComparison(all: Comparison[], loads: string[]): void {
  const first = all[0]!;
  const drivers = [...first.values().next().value!.keys()];
  console.log(
    `
Node, wasm kernel vs onnxruntime GEMM (same code, interleaved), ${size.classes} classes × ${size.shots} shots × ${size.dim}-d; median of ${all.length} round(s)`,
  );
  console.log(`  load average (1/5/15 min): ${loads.join(" → ")}`);
  console.log(`  ${"step".padEnd(48)} ${drivers.map((d) => `${d} cpu / wall`.padStart(30)).join(" ")}`);
  for (const name of first.keys()) {
    const cells = drivers.map((d) => {
      const cpu = median(all.map((c) => c.get(name)!.get(d)!.cpu)) / 1000;
      const wall = median(all.map((c) => c.get(name)!.get(d)!.wall)) / 1000;
      const base = median(all.map((c) => c.get(name)!.get(drivers[0]!)!.cpu)) / 1000;
      const ratio = d === drivers[0] ? "" : ` (${(base / cpu).toFixed(1)}×)`;
      return `${cpu.toFixed(2)} s / ${wall.toFixed(2)} s${ratio}`.padStart(30);
    });
    console.log(`  ${name.padEnd(48)} ${cells.join(" ")}`);
  }
  console.log("  (×: wasm CPU time / that driver's CPU time)");
}

if (!values["no-backend"]) {
  const threads = values["backend-threads"].split(",").map(Number);
  const all: Comparison[] = [];
  const loads = [load()];
  for (let r = 0; r < Number(values.rounds); r++) {
    all.push(await runBackendComparison(size, { threads, looAll: values["loo-all"] }));
    loads.push(load());
  }
  printComparison(all, loads);
}

if (values["probe-full"]) {
  const threads = Math.max(...values["backend-threads"].split(",").map(Number));
  for (const method of ["probe", "zs-probe"] as const) {
    console.log(
      `\nNode, one default ${method} fit on onnxruntime ${threads}t, load average before: ${load()}`,
    );
    const r = await timeFullProbe(size, threads, method);
    console.log(
      `  ${(r.wall / 1000).toFixed(1)} s wall, ${(r.cpu / 1000).toFixed(1)} s CPU; ${r.products} products (${(r.gemm / 1000).toFixed(1)} s wall in them); ${JSON.stringify(r.hyper)}, held-out ${JSON.stringify(r.heldOut)}; load average after: ${load()}`,
    );
  }
}

const rounds: Timings[] = [];
const loads = [load()];
for (let r = 0; r < (values["no-backend"] ? Number(values.rounds) : 0); r++) {
  rounds.push(runWorkload(size, r === 0));
  loads.push(load());
}
const summary: Timings = {};
for (const name of Object.keys(rounds[0] ?? {})) summary[name] = median(rounds.map((t) => t[name]!));
if (rounds.length > 0) print("Node", summary);
if (rounds.length > 1) {
  console.log(`  min–max wall over ${rounds.length} rounds; load average (1/5/15 min): ${loads.join(" → ")}`);
  for (const name of Object.keys(summary)) {
    if (name === "examples" || name.endsWith("[cpu]")) continue;
    const xs = rounds.map((t) => t[name]! / 1000);
    console.log(`  ${name.padEnd(48)} ${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)} s`);
  }
}

const missing = values["no-browser"] ? "--no-browser" : chromiumMissing();
if (missing) {
  console.log(`\nChromium: skipped (${missing})`);
} else {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), "clipkit-fewshot-bench-"));
  await bundleForBrowser({ entryPoints: [join(here, "fewshot-browser.ts")], outdir: dir });
  await writeFile(
    join(dir, "index.html"),
    '<!doctype html><meta charset="utf-8"><script type="module" src="./fewshot-browser.js"></script>',
  );
  const server = await startStaticServer({
    "/app/": dir,
    "/ort/": ortDistDir(join(here, "..", "packages", "backend-web", "src", "index.ts")),
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const q = new URLSearchParams({
      classes: String(size.classes),
      shots: String(size.shots),
      dim: String(size.dim),
      probeIterations: String(size.probeIterations),
      tipEpochs: String(size.tipEpochs),
      tipSearch: size.tipSearch ? "1" : "0",
      tipOnly: size.tipOnly ? "1" : "0",
      web: values["browser-backend"] ? "1" : "0",
    });
    // The workload starts after load (setTimeout in the entry); wait only for the navigation.
    await page.goto(`${server.url}app/?${q}`, { waitUntil: "commit" });
    await page.waitForFunction(
      () => "clipkitBench" in globalThis || "clipkitBenchError" in globalThis,
      undefined,
      {
        timeout: 1_800_000,
        polling: 1000,
      },
    );
    const result = await page.evaluate(() => {
      const g = globalThis as unknown as { clipkitBench?: unknown; clipkitBenchError?: string };
      return { clipkitBench: g.clipkitBench, clipkitBenchError: g.clipkitBenchError };
    });
    if (result.clipkitBenchError) throw new Error(`Chromium: ${result.clipkitBenchError}`);
    if (values["browser-backend"]) {
      console.log(`\nChromium, wasm kernel vs onnxruntime-web GEMM (same code, interleaved), wall time`);
      for (const [step, row] of Object.entries(
        result.clipkitBench as Record<string, Record<string, number>>,
      )) {
        const cells = Object.entries(row).map(([d, ms]) => `${d} ${(ms / 1000).toFixed(2)} s`);
        console.log(`  ${step.padEnd(48)} ${cells.join("   ")}`);
      }
    } else print("Chromium", result.clipkitBench as Timings);
  } finally {
    await browser.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
