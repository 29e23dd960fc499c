/**
 * The few-shot learning curve of the bundled emoji model: 0 (zero-shot), 1, 2, 4, 8, 16 labelled
 * images per class for each adapter, mean ± standard deviation over seeds, written to
 * docs/few-shot.md and packages/model-emoji/MODEL_CARD.md (between `learning-curve` markers),
 * with docs/few-shot/learning-curve.{json,svg} and a sample sheet.
 *
 *   npx tsx --conditions=@clipkit/source bench/fewshot-curve.ts [--classes 100] [--seeds 5] [--shots 1,2,4,8,16]
 *   npx biome format --write docs/few-shot/learning-curve.json                      # repo JSON style
 *
 * `--methods tip,tip-f` re-runs some methods and keeps the others' results; `--from-json` only
 * re-renders the docs, plot and sample sheet from docs/few-shot/learning-curve.json.
 *
 * Task (tools/data/fewshot-set.ts): `classes` Twemoji concepts drawn on random coloured
 * backgrounds, scaled, rotated and shifted — a presentation outside the model's training data.
 * Each class has a pool of `pool` draws to take shots from and `test` further draws to score on.
 * For each seed the K shots per class are a seeded sample of the pool; hyper-parameters are chosen
 * by each method's own protocol on those shots only (no extra validation data). Embeddings are
 * computed once and cached in the OS temp folder.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadClipModel } from "@clipkit/backend-node";
import {
  type AdapterMethod,
  buildZeroShotHead,
  createEmbeddings,
  type Embeddings,
  evaluateHead,
  type LabelledEmbeddings,
  seededRandom,
  shuffled,
  trainHead,
} from "@clipkit/core";
import { emojiModelDir, emojiModelScoring } from "../packages/model-emoji/src/index.js";
import { tileSheet, twemojiConcepts } from "../tools/data/fewshot-set.js";
import { type CurveSeries, curveSvg } from "./fewshot-plot.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    classes: { type: "string", default: "100" },
    pool: { type: "string", default: "24" },
    test: { type: "string", default: "5" },
    seeds: { type: "string", default: "5" },
    shots: { type: "string", default: "1,2,4,8,16" },
    methods: { type: "string", default: "probe,zs-probe,tip,tip-f" },
    dry: { type: "boolean", default: false },
    /** Rewrite the docs from docs/few-shot/learning-curve.json without training anything. */
    "from-json": { type: "boolean", default: false },
  },
});
const classes = Number(values.classes);
const pool = Number(values.pool);
const testDraws = Number(values.test);
const seeds = Number(values.seeds);
const shotList = values.shots.split(",").map(Number);
const methods = values.methods.split(",") as AdapterMethod[];

const model = await loadClipModel(emojiModelDir, { scoring: emojiModelScoring() });
const { concepts, render } = twemojiConcepts(classes);
const labels = concepts.map((c) => c.label);
const draws = pool + testDraws;

async function embeddings(): Promise<Embeddings> {
  const cache = join(
    tmpdir(),
    `clipkit-fewshot-${model.space.id.replace(/\W+/g, "_")}-${classes}-${draws}.f32`,
  );
  const dim = model.space.dim;
  if (existsSync(cache)) {
    const b = readFileSync(cache);
    return createEmbeddings(
      new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice(),
      classes * draws,
      model.space,
    );
  }
  const t0 = performance.now();
  const data = new Float32Array(classes * draws * dim);
  for (let k = 0; k < classes; k++) {
    const images = [];
    for (let d = 0; d < draws; d++)
      images.push({ data: await render(concepts[k]!, d), width: 64, height: 64, channels: 3 as const });
    const e = await model.embedImages(images, { batchSize: 64 });
    data.set(e.data, k * draws * dim);
  }
  console.log(`embedded ${classes * draws} renderings in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  writeFileSync(cache, new Uint8Array(data.buffer));
  return createEmbeddings(data, classes * draws, model.space);
}

const all = await embeddings();
const dim = model.space.dim;
function rowsOf(rows: readonly number[]): LabelledEmbeddings {
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    data.set(all.data.subarray(r * dim, (r + 1) * dim), i * dim);
  });
  return {
    embeddings: createEmbeddings(data, rows.length, model.space),
    labels: rows.map((r) => labels[Math.floor(r / draws)]!),
  };
}
const test = rowsOf(
  concepts.flatMap((_, k) => Array.from({ length: testDraws }, (_, d) => k * draws + pool + d)),
);
const zeroShot = await buildZeroShotHead(model, { labels, templates: ["{}"] });
const zsAcc =
  zeroShot.classify(test.embeddings, { topK: 1 }).filter((r, i) => r.top[0]!.label === test.labels[i])
    .length / test.embeddings.count;
const fromJson = values["from-json"];
console.log(
  `zero-shot (bare label) top-1 on ${test.embeddings.count} test renderings: ${(100 * zsAcc).toFixed(1)} %`,
);

interface Cell {
  method: AdapterMethod;
  shots: number;
  accuracies: number[];
  trainMs: number[];
  /** Hyper-parameters each seed's protocol chose. */
  hyper: Record<string, number>[];
}
const cells: Cell[] = [];
const resultsFile = join(root, "docs/few-shot/learning-curve.json");
// Re-running some methods (--methods tip,tip-f) keeps the other methods' cells of the same setup.
if (!fromJson && values.methods !== "probe,zs-probe,tip,tip-f" && existsSync(resultsFile)) {
  const old = JSON.parse(readFileSync(resultsFile, "utf8")) as {
    classes: number;
    pool: number;
    test: number;
    seeds: number;
    cells: Cell[];
  };
  if (old.classes === classes && old.pool === pool && old.test === testDraws && old.seeds === seeds) {
    cells.push(...old.cells.filter((c) => !methods.includes(c.method)));
  }
}
if (fromJson) cells.push(...(JSON.parse(readFileSync(resultsFile, "utf8")) as { cells: Cell[] }).cells);
for (const method of fromJson ? [] : methods) {
  for (const shots of shotList) {
    const cell: Cell = { method, shots, accuracies: [], trainMs: [], hyper: [] };
    for (let seed = 0; seed < seeds; seed++) {
      const random = seededRandom(1000 * seed + shots);
      const rows = concepts.flatMap((_, k) =>
        shuffled(
          Array.from({ length: pool }, (_, d) => k * draws + d),
          random,
        ).slice(0, shots),
      );
      const t0 = performance.now();
      const head = trainHead(method, rowsOf(rows), { zeroShot, seed });
      cell.trainMs.push(performance.now() - t0);
      cell.accuracies.push(evaluateHead(head, test).accuracy);
      cell.hyper.push({ ...head.adapter.hyper });
    }
    cells.push(cell);
    const s = stats(cell.accuracies);
    console.log(
      `${method.padEnd(8)} ${String(shots).padStart(2)} shots: ${(100 * s.mean).toFixed(1)} ± ${(100 * s.std).toFixed(1)} % (min ${(100 * s.min).toFixed(1)}, max ${(100 * s.max).toFixed(1)}), train ${(stats(cell.trainMs).mean / 1000).toFixed(2)} s, ${JSON.stringify(cell.hyper)}`,
    );
  }
}

function stats(v: readonly number[]) {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
  return { mean, std, min: Math.min(...v), max: Math.max(...v) };
}

const NAMES: Record<AdapterMethod, string> = {
  probe: "linear probe",
  "zs-probe": "zero-shot-init probe",
  tip: "Tip-Adapter",
  "tip-f": "Tip-Adapter-F",
};
const COLOURS: Record<AdapterMethod, string> = {
  probe: "#d62728",
  "zs-probe": "#1f77b4",
  tip: "#2ca02c",
  "tip-f": "#9467bd",
};
const pct = (v: number) => (100 * v).toFixed(1);
const shown = (["probe", "zs-probe", "tip", "tip-f"] as const).filter((m) =>
  cells.some((c) => c.method === m),
);

function table(): string {
  const head = `| method | ${["0 (zero-shot)", ...shotList].join(" | ")} |`;
  const sep = `|---|${["", ...shotList].map(() => "---:").join("|")}|`;
  const rows = shown.map((m) => {
    const zero = m === "probe" ? `${pct(1 / classes)} (chance)` : pct(zsAcc);
    const cols = shotList.map((k) => {
      const s = stats(cells.find((c) => c.method === m && c.shots === k)!.accuracies);
      return `${pct(s.mean)} ± ${pct(s.std)}`;
    });
    return `| ${NAMES[m]} | ${zero} | ${cols.join(" | ")} |`;
  });
  const time = shown.map((m) => {
    const c = cells.find((x) => x.method === m && x.shots === Math.max(...shotList))!;
    return `${NAMES[m]} ${(stats(c.trainMs).mean / 1000).toFixed(2)} s`;
  });
  return [
    `Top-1 accuracy (%) on ${test.embeddings.count} held-out renderings (${classes} Twemoji classes × ${testDraws}), mean ± standard deviation over ${seeds} seeds (each seed draws other shots from a pool of ${pool} per class). Zero-shot uses the bare label as prompt (the model's best template).`,
    "",
    head,
    sep,
    ...rows,
    "",
    `Wall-clock training time at ${Math.max(...shotList)} shots (${classes * Math.max(...shotList)} images, ${dim}-d, hyper-parameter search included), mean per fit, measured on two CPU cores shared with other jobs (load average ≈ 18, so several times the unloaded time): ${time.join(", ")}.`,
    "",
    "![learning curve](few-shot/learning-curve.svg)",
  ].join("\n");
}

function splice(file: string, body: string, relative: (s: string) => string): void {
  const path = join(root, file);
  const text = readFileSync(path, "utf8");
  const start = "<!-- learning-curve:start (generated by bench/fewshot-curve.ts) -->";
  const end = "<!-- learning-curve:end -->";
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file}: learning-curve markers missing`);
  writeFileSync(path, `${text.slice(0, a + start.length)}\n${relative(body)}\n${text.slice(b)}`);
}

if (!values.dry) {
  const dir = join(root, "docs/few-shot");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    resultsFile,
    `${JSON.stringify({ model: model.space.id, classes, pool, test: testDraws, seeds, zeroShot: zsAcc, cells }, null, 1)}\n`,
  );
  const series: CurveSeries[] = shown.map((m) => ({
    name: NAMES[m],
    colour: COLOURS[m],
    points: [
      { shots: 0, mean: m === "probe" ? 1 / classes : zsAcc, std: 0 },
      ...shotList.map((k) => ({
        shots: k,
        ...stats(cells.find((c) => c.method === m && c.shots === k)!.accuracies),
      })),
    ],
  }));
  writeFileSync(
    join(dir, "learning-curve.svg"),
    curveSvg(series, shotList, `emoji model, ${classes} Twemoji classes on coloured backgrounds`),
  );
  const sample = [];
  for (let k = 0; k < 6; k++)
    for (let d = 0; d < 8; d++) sample.push(await render(concepts[k * Math.floor(classes / 6)]!, d));
  writeFileSync(join(dir, "samples.png"), await tileSheet(sample, 8));
  const body = table();
  splice("docs/few-shot.md", body, (s) => s);
  splice("packages/model-emoji/MODEL_CARD.md", body, (s) =>
    s.replace("](few-shot/", "](../../docs/few-shot/"),
  );
}
await model.release();
