/**
 * The embedding pipeline at real model size (issue #18): a ViT-B/32-shaped CLIP with random
 * weights (`tools/bench-models/clip_b32.py` writes it into the git-ignored bench/.models/clip-b32
 * on first use, ~1.2 GB, about 1.5 minutes), 8 photos made from the real ones in
 * tools/fixtures/images and 2,000 variants of them. Contenders: clipkit's `loadClipModel`,
 * transformers.js 4.3.1 (`AutoProcessor` + `CLIPVisionModelWithProjection`), and raw
 * onnxruntime-node `InferenceSession.run` on tensors built beforehand (the limit). All on CPU with
 * 1 intra-op and 1 inter-op thread.
 *
 *   npx tsx --conditions=@clipkit/source bench/pipeline.bench.ts [--rounds 5] [--images 48] [--gallery 2000]
 *
 * Rows:
 * - image embedding time per image, batch 8 and batch 1, as a ratio to raw `run` — the three
 *   contenders interleaved in one process, order rotated every round, median and min–max of the
 *   per-round ratios;
 * - peak RSS (`maxRSS`) for load + embed the 2,000-image gallery, each contender in its own child
 *   process (batch 8, image-only job), plus clipkit with onnxruntime's CPU arena and memory pattern
 *   toggled (the session-option defaults were picked from these);
 * - cold start to the first image embedding (import + load + one photo), each contender in fresh
 *   child processes, interleaved, `--cold` repeats.
 *
 * Every measurement runs in a child process that imports clipkit's built `dist/` (the bench runs
 * `pnpm build` first when dist/ is missing or older than the sources).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { link, mkdir } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    images: { type: "string", default: "48" },
    gallery: { type: "string", default: "2000" },
    cold: { type: "string", default: "5" },
    sweep: { type: "string", default: "400" },
    dir: { type: "string", default: "/tmp/clipkit-pipeline-bench" },
    child: { type: "string" },
    arena: { type: "string", default: "default" },
    pattern: { type: "string", default: "default" },
    count: { type: "string" },
  },
});
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MODEL = join(ROOT, "bench/.models/clip-b32");
const DIR = values.dir;
const PHOTOS = join(ROOT, "tools/fixtures/images");
const SOURCES = ["chelsea.jpg", "coffee.jpg", "astronaut_256.png", "odd_225x301.jpg"];
const THREADS = { intraOpNumThreads: 1, interOpNumThreads: 1 };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const range = (xs: number[], digits = 2): string =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

/**
 * 8 photos (the 4 real ones as they are and re-encoded at 1280 px) and `count` variants. sharp is
 * imported only when a file must be written: a cold-start child measures its contender's own
 * import of its decoder (transformers.js imports sharp; clipkit on first decode), so the harness
 * must not have loaded it beforehand.
 */
async function inputs(count: number): Promise<{ photos: string[]; gallery: string[] }> {
  const sharp = async () => (await import("sharp")).default;
  const photos: string[] = [];
  await mkdir(join(DIR, "gallery"), { recursive: true });
  for (const [i, name] of SOURCES.entries()) {
    photos.push(join(PHOTOS, name));
    const big = join(DIR, `photo-${i}-1280.jpg`);
    if (!existsSync(big)) {
      await (await sharp())(join(PHOTOS, name)).resize({ width: 1280 }).jpeg({ quality: 90 }).toFile(big);
    }
    photos.push(big);
  }
  const variants: string[] = [];
  const sides = [480, 640, 800, 1024, 1280, 1600];
  for (let v = 0; v < 40; v++) {
    const file = join(DIR, `variant-${v}.jpg`);
    variants.push(file);
    if (existsSync(file)) continue;
    const side = sides[v % sides.length]!;
    let img = (await sharp())(photos[v % photos.length]!).resize({
      width: side,
      height: Math.round(side * 0.75),
      fit: "cover",
    });
    if (v % 3 === 1) img = img.flop();
    if (v % 5 === 2) img = img.modulate({ brightness: 1.2 });
    await img.jpeg({ quality: 85 }).toFile(file);
  }
  const gallery: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = join(DIR, "gallery", `${i}.jpg`);
    if (!existsSync(file)) await link(variants[i % variants.length]!, file);
    gallery.push(file);
  }
  return { photos, gallery };
}

function ensureModel(): void {
  if (existsSync(join(MODEL, "onnx/vision_model.onnx"))) return;
  console.log("writing bench/.models/clip-b32 (tools/bench-models/clip_b32.py)…");
  execFileSync("/work/venv/bin/python", [join(ROOT, "tools/bench-models/clip_b32.py")], { stdio: "inherit" });
}

/** True when a package's dist/ is missing or older than a file under its src/. */
function distIsStale(): boolean {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  return ["core", "backend-node"].some((pkg) => {
    const dist = join(ROOT, "packages", pkg, "dist/index.js");
    return !existsSync(dist) || statSync(dist).mtimeMs < newest(join(ROOT, "packages", pkg, "src"));
  });
}

type Contender = "clipkit" | "transformers.js" | "raw";

/** A contender's image embedder, loaded. */
async function open(contender: Contender, pattern?: boolean, arena?: boolean) {
  if (contender === "clipkit") {
    const { loadClipModel } = await import("@clipkit/backend-node");
    const model = await loadClipModel(MODEL, {
      intraOpThreads: 1,
      interOpThreads: 1,
      ...(arena === undefined ? {} : { cpuMemArena: arena }),
      ...(pattern === undefined ? {} : { memPattern: pattern }),
    });
    return async (paths: string[], batch: number) => {
      await model.embedImages(paths, { batchSize: batch });
    };
  }
  if (contender === "transformers.js") {
    const { AutoProcessor, CLIPVisionModelWithProjection, env, RawImage } = await import(
      "@huggingface/transformers"
    );
    env.allowRemoteModels = false;
    env.localModelPath = join(MODEL, "..");
    const processor = await AutoProcessor.from_pretrained("clip-b32");
    const model = await CLIPVisionModelWithProjection.from_pretrained("clip-b32", {
      dtype: "fp32",
      session_options: THREADS,
    });
    return async (paths: string[], batch: number) => {
      for (let i = 0; i < paths.length; i += batch) {
        const raws = await Promise.all(paths.slice(i, i + batch).map((p) => RawImage.read(p)));
        await model(await processor(raws));
      }
    };
  }
  const ort = await import("onnxruntime-node");
  const { decodeImage } = await import("@clipkit/backend-node");
  const { parsePreprocessorConfig, preprocessBatch } = await import("@clipkit/core");
  const { readFile } = await import("node:fs/promises");
  const session = await ort.InferenceSession.create(join(MODEL, "onnx/vision_model.onnx"), {
    ...THREADS,
    graphOptimizationLevel: "all",
  });
  const config = parsePreprocessorConfig(
    JSON.parse(await readFile(join(MODEL, "preprocessor_config.json"), "utf8")),
  );
  const feeds = new Map<string, InstanceType<typeof ort.Tensor>>();
  return {
    session,
    /** Builds the tensors outside the timed region. */
    async prepare(paths: string[], batch: number) {
      for (let i = 0; i < paths.length; i += batch) {
        const b = preprocessBatch(
          await Promise.all(paths.slice(i, i + batch).map((p) => decodeImage(p))),
          config,
        );
        feeds.set(`${batch}:${i}`, new ort.Tensor("float32", b.data, b.dims));
      }
    },
    async run(paths: string[], batch: number) {
      for (let i = 0; i < paths.length; i += batch) {
        await session.run({ pixel_values: feeds.get(`${batch}:${i}`)! }, ["image_embeds"]);
      }
    },
  };
}

/** CPU time of the calling thread in ms (Linux `schedstat`; NaN elsewhere). */
function threadCpuMs(): number {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/**
 * Times every `InferenceSession.run` of onnxruntime-node (clipkit's session shares the raw
 * contender's prototype): a contender's wall time then splits into time inside `run` and time
 * between runs (waiting for a prepared batch, JavaScript work), which tells a slower `run`
 * (contention, fewer CPU shares) from waiting.
 */
function runClock(session: object): { reset(): void; inRun(): number } {
  const proto = Object.getPrototypeOf(session) as { run: (...a: unknown[]) => Promise<unknown> };
  const run = proto.run;
  let total = 0;
  proto.run = async function (this: unknown, ...a: unknown[]) {
    const t = performance.now();
    try {
      return await run.apply(this, a);
    } finally {
      total += performance.now() - t;
    }
  };
  return {
    reset: () => {
      total = 0;
    },
    inRun: () => total,
  };
}

async function timing(photos: string[]): Promise<string[]> {
  const n = Number.parseInt(values.images, 10);
  const rounds = Number.parseInt(values.rounds, 10);
  const paths = Array.from({ length: n }, (_, i) => photos[i % photos.length]!);
  const clipkit = (await open("clipkit")) as (p: string[], b: number) => Promise<void>;
  const tjs = (await open("transformers.js")) as (p: string[], b: number) => Promise<void>;
  const raw = (await open("raw")) as {
    session: object;
    prepare(p: string[], b: number): Promise<void>;
    run(p: string[], b: number): Promise<void>;
  };
  const clock = runClock(raw.session);
  const lines: string[] = [];
  for (const batch of [8, 1]) {
    await raw.prepare(paths, batch);
    const runs: Record<string, (p: string[], b: number) => Promise<void>> = {
      raw: raw.run,
      clipkit,
      "transformers.js": tjs,
    };
    for (const f of Object.values(runs)) await f(paths.slice(0, batch * 2), batch); // warm-up
    const ms: Record<string, number[]> = { raw: [], clipkit: [], "transformers.js": [] };
    // clipkit and raw: ms/image inside run, and the JavaScript thread's CPU ms/image.
    const inRun: Record<string, number[]> = { raw: [], clipkit: [] };
    const cpu: Record<string, number[]> = { raw: [], clipkit: [] };
    const names = Object.keys(runs);
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + r) % names.length]!;
        clock.reset();
        const c0 = threadCpuMs();
        const start = performance.now();
        await runs[name]!(paths, batch);
        ms[name]!.push((performance.now() - start) / n);
        inRun[name]?.push(clock.inRun() / n);
        cpu[name]?.push((threadCpuMs() - c0) / n);
      }
      console.error(
        `  batch ${batch} round ${r + 1}: ${names.map((x) => `${x} ${ms[x]!.at(-1)!.toFixed(1)} ms/img`).join(", ")}`,
      );
    }
    const ratio = (name: string) => ms[name]!.map((t, r) => t / ms.raw![r]!);
    lines.push(
      `| image embedding, batch ${batch}, 1 intra-op thread: time / raw \`run\` | ${range(ratio("clipkit"))} | ${range(ratio("transformers.js"))} | raw ${median(ms.raw!).toFixed(1)} ms/image |`,
    );
    const per = (xs: number[], ys: number[]) => xs.map((x, r) => x / ys[r]!);
    const between = ms.clipkit!.map((t, r) => t - inRun.clipkit![r]!);
    lines.push(
      `| batch ${batch}, clipkit's time split: inside \`run\` / raw's; between runs; JavaScript-thread CPU / raw's | ${range(per(inRun.clipkit!, inRun.raw!))}; ${range(between)} ms/image; ${range(per(cpu.clipkit!, cpu.raw!))} | | |`,
    );
  }
  return lines;
}

/**
 * Runs this script as a child measurement. Children import clipkit's built packages (`dist/`, what
 * users run, as transformers.js is imported built): from the TypeScript sources, tsx compiles
 * every module on import — seconds of cold start — and again inside each decode worker, whose
 * compiled sources alone added ~0.1 GB of peak RSS.
 */
function child(args: string[]): Record<string, number> & { rows?: string[] } {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const last = r.stdout.trim().split("\n").at(-1) ?? "";
  if (r.status !== 0 || !last.startsWith("{")) throw new Error(`child ${args.join(" ")} failed: ${r.stdout}`);
  return JSON.parse(last) as Record<string, number> & { rows?: string[] };
}

/**
 * One cold start in plain `node` (bench/cold-start.mjs), as a user's script runs: the harness's
 * `--import tsx` children route every module load (the decode worker's too) through tsx's loader
 * thread, which slowed clipkit's cold start by ~0.5 s and transformers.js's by less.
 */
function coldChild(contender: string): { firstMs: number; peakRss: number } {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, "bench/cold-start.mjs"), contender, MODEL, join(PHOTOS, SOURCES[0]!)],
    { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  const last = r.stdout.trim().split("\n").at(-1) ?? "";
  if (r.status !== 0 || !last.startsWith("{")) throw new Error(`cold ${contender} failed: ${r.stdout}`);
  return JSON.parse(last) as { firstMs: number; peakRss: number };
}

async function runChild(spec: string): Promise<void> {
  if (spec === "timing") {
    const { photos } = await inputs(0);
    console.log(JSON.stringify({ rows: await timing(photos) }));
    return;
  }
  const t0 = performance.now();
  const [kind, contender] = spec.split(":") as ["rss" | "cold", Contender];
  const flag = (v: string) => (v === "default" ? undefined : v === "on");
  const embed = (await open(contender, flag(values.pattern), flag(values.arena))) as (
    p: string[],
    b: number,
  ) => Promise<void>;
  const loaded = performance.now();
  const loadRss = process.resourceUsage().maxRSS * 1024;
  const { photos, gallery } = await inputs(Number.parseInt(values.count ?? values.gallery, 10));
  const t1 = performance.now();
  await embed(kind === "cold" ? photos.slice(0, 1) : gallery, kind === "cold" ? 1 : 8);
  const done = performance.now();
  console.log(
    JSON.stringify({
      loadMs: loaded - t0,
      firstMs: kind === "cold" ? loaded - t0 + (done - t1) : 0,
      embedMs: done - t1,
      loadRss,
      peakRss: process.resourceUsage().maxRSS * 1024,
    }),
  );
}

const gb = (b: number) => (b / 1e9).toFixed(2);

if (values.child) {
  await runChild(values.child);
} else {
  ensureModel();
  if (distIsStale()) {
    console.log("building the packages (pnpm build): the measurements import dist/…");
    execFileSync("npx", ["-y", "pnpm@12.4.2", "build"], { cwd: ROOT, stdio: "inherit" });
  }
  await inputs(Number.parseInt(values.gallery, 10));
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(" ");
  console.log(`load average at start: ${load()}`);
  // Every measurement runs in a child process, so the parent holds no model while others measure.
  const rows = child(["--child", "timing", "--images", values.images, "--rounds", values.rounds]).rows!;

  const rss: string[] = [];
  const sweep: string[] = [];
  const peak: Record<string, number> = {};
  for (const c of ["clipkit", "transformers.js"] as const) {
    const r = child(["--child", `rss:${c}`]);
    peak[c] = r.peakRss!;
    console.log(
      `  rss ${c}: load peak ${gb(r.loadRss!)} GB, peak ${gb(r.peakRss!)} GB, ${(r.embedMs! / 1000).toFixed(0)} s`,
    );
  }
  rss.push(
    `| peak RSS, load + embed ${values.gallery} images (image-only job, batch 8) | ${gb(peak.clipkit!)} GB | ${gb(peak["transformers.js"]!)} GB | |`,
  );
  for (const arena of ["on", "off"]) {
    for (const pattern of ["on", "off"]) {
      const r = child([
        "--child",
        "rss:clipkit",
        "--arena",
        arena,
        "--pattern",
        pattern,
        "--count",
        values.sweep,
      ]);
      sweep.push(
        `| arena ${arena}, memory pattern ${pattern} | ${gb(r.peakRss!)} GB | ${(r.embedMs! / Number(values.sweep)).toFixed(1)} ms/image |`,
      );
      console.log(`  ${sweep.at(-1)}`);
    }
  }

  const cold: Record<string, { ms: number[]; rss: number[] }> = {
    clipkit: { ms: [], rss: [] },
    "transformers.js": { ms: [], rss: [] },
  };
  for (let r = 0; r < Number.parseInt(values.cold, 10); r++) {
    for (const c of r % 2 === 0 ? ["clipkit", "transformers.js"] : ["transformers.js", "clipkit"]) {
      const x = coldChild(c);
      cold[c]!.ms.push(x.firstMs! / 1000);
      cold[c]!.rss.push(x.peakRss! / 1e9);
      console.log(`  cold ${c}: ${(x.firstMs! / 1000).toFixed(2)} s, ${gb(x.peakRss!)} GB`);
    }
  }
  rss.push(
    `| cold start to first embedding (import + load + 1 photo) | ${range(cold.clipkit!.ms)} s, ${median(cold.clipkit!.rss).toFixed(2)} GB | ${range(cold["transformers.js"]!.ms)} s, ${median(cold["transformers.js"]!.rss).toFixed(2)} GB (vision only) | |`,
  );
  console.log(`load average at end: ${load()}\n`);
  console.log("| measure | clipkit | transformers.js | note |\n|---|---|---|---|");
  for (const l of [...rows, ...rss]) console.log(l);
  console.log("\n| clipkit session options | peak RSS | time |\n|---|---|---|");
  for (const l of sweep) console.log(l);
}
