/**
 * Exact search, measured fairly (issue #18): every contender runs in this one process on the same
 * gallery and queries, interleaved over `--rounds` rounds (the order rotates each round), each on
 * one thread; the table gives the median queries per second with the min–max over rounds, and
 * the median process CPU time per query (robust where other jobs share the cores: it leaves out
 * the time spent waiting for a core).
 *
 *   npx tsx --conditions=@clipkit/source bench/retrieval-exact.bench.ts [--n 100000] [--dim 512]
 *     [--queries 64] [--k 10] [--rounds 3] [--min-ms 1500] [--no-python]
 *
 * Contenders: clipkit `FlatIndex.search` (rows resident in WebAssembly memory, register-tiled SIMD
 * kernel, certified exact re-score), `FlatIndex.searchAsync` on onnxruntime-node's GEMM
 * (`nodeBackend().matmulTopK`; single queries take the wasm kernel unless `minGemmQueries: 1`),
 * the raw onnxruntime `Gemm + TopK` graph alone (the peer / limit),
 * usearch's exact search (native SIMD, 1 thread), numpy (`q @ X.T` + argpartition) and faiss
 * `IndexFlatIP` through `tools/bench/exact_search.py` when `/work/venv` (or `$CLIPKIT_PYTHON`)
 * exists, and the memory-bandwidth bound for one query per call: the best of 5 streaming reads
 * (128-bit loads, front to back) of a copy of the gallery resident in WebAssembly memory, as
 * queries per second (1 ÷ the seconds one read of the gallery takes); one query cannot be scored
 * faster than its rows can be read. Every result is checked against clipkit's exact top-k: the
 * "exact" column is the share of queries whose top-k ids match it exactly.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { nativeExactSearch, nodeBackend, nodeMatMulTopK } from "@clipkit/backend-node";
import { type Embeddings, FlatIndex, type FlatStorage, syntheticEmbeddings } from "@clipkit/core";
import { shiftedCodes, transposeCodes } from "../packages/core/src/retrieval/gemm-scan.js";
import { quantizeQueriesInt8, quantizeRowsInt8 } from "../packages/core/src/retrieval/quantize.js";
import { createSimdDot } from "../packages/core/src/retrieval/simd-dot.js";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "100000" },
    dim: { type: "string", default: "512" },
    queries: { type: "string", default: "64" },
    k: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    "min-ms": { type: "string", default: "1500" },
    "no-python": { type: "boolean", default: false },
  },
});
const N = Number(values.n);
const DIM = Number(values.dim);
const NQ = Number(values.queries);
const K = Number(values.k);
const ROUNDS = Number(values.rounds);
const MIN_MS = Number(values["min-ms"]);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

console.log(`exact search bench: N=${N} dim=${DIM} queries=${NQ} k=${K} rounds=${ROUNDS}; load ${load()}`);
const gallery = syntheticEmbeddings({ count: N, dim: DIM, intrinsicDim: 16, noise: 0.2, seed: 42 });
const queries = syntheticEmbeddings({
  count: NQ,
  dim: DIM,
  intrinsicDim: 16,
  noise: 0.2,
  seed: 42,
  pointSeed: 1,
});
const ids = Array.from({ length: N }, (_, i) => `v${i}`);
const one = (q: number): Embeddings => ({
  ...queries,
  data: queries.data.subarray(q * DIM, (q + 1) * DIM),
  count: 1,
});

function build(storage: FlatStorage, rescore = true, threads = 1): FlatIndex {
  const index = new FlatIndex(gallery.space, {
    storage,
    rescore,
    backend: nodeBackend({ intraOpThreads: threads }),
  });
  index.add(ids, gallery);
  return index;
}
const flat = build("float32");
// Single queries too go to the 2-thread GEMM here (by default searchAsync scans them in wasm).
const flat2 = new FlatIndex(gallery.space, {
  backend: nodeBackend({ intraOpThreads: 2 }),
  minGemmQueries: 1,
});
flat2.add(ids, gallery);
const f16 = build("float16");
const f16raw = build("float16", false);
const i8 = build("int8");
const i8raw = build("int8", false);
const truth = flat.search(queries, { k: K }).map((hits) => hits.map((h) => Number(h.id.slice(1))));
const ort1 = nodeMatMulTopK({ intraOpThreads: 1 });
// The raw int8 graph on the same codes as the int8 index (the int8 GEMM's own speed: the bound
// for int8 searchAsync, which adds the query coding and the exact re-score).
const codes8 = new Int8Array(N * DIM);
const scales8 = new Float32Array(N);
quantizeRowsInt8(gallery.data, DIM, codes8, scales8);
const codes8T = transposeCodes(codes8, N, DIM);
const queries8 = shiftedCodes(quantizeQueriesInt8(queries.data, DIM).codes);
const ort2 = nodeMatMulTopK({ intraOpThreads: 2 });

/** Share of queries whose top-k rows equal the exact ones (order included). */
function exactShare(rows: number[][]): number {
  return (
    rows.filter((r, q) => r.length === truth[q]!.length && r.every((v, i) => v === truth[q]![i])).length /
    rows.length
  );
}
const rowsOf = (hits: { id: string }[][]) => hits.map((h) => h.map((x) => Number(x.id.slice(1))));
const ortRows = (out: { indices: Int32Array }, nq: number) =>
  Array.from({ length: nq }, (_, q) => [...out.indices.subarray(q * K, (q + 1) * K)]);

interface Contender {
  group: "batched" | "one query per call";
  name: string;
  perCall: number;
  /** Bytes read per gallery dimension (float32 4, float16 2, int8 1; default 4): scales the bound. */
  bytesPerDim?: number;
  run: () => unknown;
  /** Top-k rows of the first `perCall` queries, for the exactness check. */
  rows?: () => Promise<number[][]>;
}
let qi = 0;
const next = () => qi++ % NQ;
const contenders: Contender[] = [
  {
    group: "batched",
    name: "clipkit FlatIndex.search (wasm SIMD)",
    perCall: NQ,
    run: () => flat.search(queries, { k: K }),
    rows: async () => rowsOf(flat.search(queries, { k: K })),
  },
  {
    group: "batched",
    name: "clipkit FlatIndex.searchAsync (onnxruntime GEMM)",
    perCall: NQ,
    run: () => flat.searchAsync(queries, { k: K }),
    rows: async () => rowsOf(await flat.searchAsync(queries, { k: K })),
  },
  {
    group: "batched",
    name: "onnxruntime Gemm+TopK graph alone",
    perCall: NQ,
    run: () => ort1.run(queries.data, NQ, gallery.data, N, DIM, K),
    rows: async () => ortRows(await ort1.run(queries.data, NQ, gallery.data, N, DIM, K), NQ),
  },
  {
    group: "batched",
    name: "onnxruntime int8 MatMulIntegerToFloat+TopK graph alone (approximate)",
    perCall: NQ,
    run: () => ort1.runInt8!(queries8, NQ, codes8T, scales8, N, DIM, K),
    rows: async () => ortRows(await ort1.runInt8!(queries8, NQ, codes8T, scales8, N, DIM, K), NQ),
  },
  {
    group: "batched",
    name: "usearch exact (native, 1 thread)",
    perCall: NQ,
    run: () => nativeExactSearch(gallery.data, queries.data, DIM, K, 1),
    rows: async () => nativeExactSearch(gallery.data, queries.data, DIM, K, 1).map((r) => r.rows),
  },
  {
    group: "batched",
    name: "clipkit float16 + exact re-score",
    perCall: NQ,
    run: () => f16.search(queries, { k: K }),
    rows: async () => rowsOf(f16.search(queries, { k: K })),
  },
  {
    group: "batched",
    name: "clipkit int8 + exact re-score",
    perCall: NQ,
    run: () => i8.search(queries, { k: K }),
    rows: async () => rowsOf(i8.search(queries, { k: K })),
  },
  {
    group: "batched",
    name: "clipkit int8 searchAsync (onnxruntime int8 GEMM) + exact re-score",
    perCall: NQ,
    run: () => i8.searchAsync(queries, { k: K }),
    rows: async () => rowsOf(await i8.searchAsync(queries, { k: K })),
  },
  {
    group: "batched",
    name: "clipkit float16, no re-score (approximate)",
    perCall: NQ,
    run: () => f16raw.search(queries, { k: K }),
    rows: async () => rowsOf(f16raw.search(queries, { k: K })),
  },
  {
    group: "batched",
    name: "clipkit int8, no re-score (approximate)",
    perCall: NQ,
    run: () => i8raw.search(queries, { k: K }),
    rows: async () => rowsOf(i8raw.search(queries, { k: K })),
  },
  {
    group: "batched",
    name: "clipkit searchAsync, 2 threads",
    perCall: NQ,
    run: () => flat2.searchAsync(queries, { k: K }),
  },
  {
    group: "batched",
    name: "onnxruntime Gemm+TopK alone, 2 threads",
    perCall: NQ,
    run: () => ort2.run(queries.data, NQ, gallery.data, N, DIM, K),
  },
  {
    group: "one query per call",
    name: "clipkit FlatIndex.search (wasm SIMD)",
    perCall: 1,
    run: () => flat.search(one(next()), { k: K }),
  },
  {
    group: "one query per call",
    name: "clipkit FlatIndex.searchAsync (one query → wasm kernel)",
    perCall: 1,
    run: () => flat.searchAsync(one(next()), { k: K }),
  },
  {
    group: "one query per call",
    name: "onnxruntime Gemm+TopK graph alone",
    perCall: 1,
    run: () => ort1.run(one(next()).data, 1, gallery.data, N, DIM, K),
  },
  {
    group: "one query per call",
    name: "clipkit searchAsync, 2 threads",
    perCall: 1,
    run: () => flat2.searchAsync(one(next()), { k: K }),
  },
  {
    group: "one query per call",
    name: "clipkit float16 + exact re-score",
    perCall: 1,
    bytesPerDim: 2,
    run: () => f16.search(one(next()), { k: K }),
  },
  {
    group: "one query per call",
    name: "clipkit int8 + exact re-score",
    perCall: 1,
    bytesPerDim: 1,
    run: () => i8.search(one(next()), { k: K }),
  },
  {
    group: "one query per call",
    name: "usearch exact (native, 1 thread)",
    perCall: 1,
    run: () => nativeExactSearch(gallery.data, one(next()).data, DIM, K, 1),
  },
];

// A copy of the gallery resident in WebAssembly memory, as the index keeps it.
const stream = createSimdDot();
if (!stream) throw new Error("WebAssembly SIMD is unavailable: no streaming-read bound");
const galleryBytes = gallery.data.byteLength - (gallery.data.byteLength % 64);
stream.reserve(gallery.data.byteLength);
new Float32Array(stream.heap().buffer, 0, gallery.data.length).set(gallery.data);
/** Queries per second the memory bandwidth allows one query: 1 ÷ the best of 5 streaming reads. */
function bandwidthBound(): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    stream!.streamRead(0, galleryBytes);
    best = Math.min(best, performance.now() - t0);
  }
  return 1000 / best;
}

/** Process CPU ms per query, by contender (all threads: a 2-thread row counts both). */
const cpuMs = new Map<string, number[]>();
async function qps(c: Contender): Promise<number> {
  await c.run(); // warm-up (JIT, session creation on first use)
  let calls = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  do {
    await c.run();
    calls++;
  } while (performance.now() - t0 < MIN_MS || calls < 2);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const key = `${c.group}|${c.name}`;
  cpuMs.set(key, [...(cpuMs.get(key) ?? []), (cpu.user + cpu.system) / 1000 / (calls * c.perCall)]);
  return (calls * c.perCall * 1000) / wall;
}

const python = process.env.CLIPKIT_PYTHON ?? "/work/venv/bin/python";
const usePython = !values["no-python"] && existsSync(python);
const dir = await mkdtemp(join(tmpdir(), "clipkit-exact-bench-"));
if (usePython) {
  await writeFile(join(dir, "gallery.f32"), gallery.data);
  await writeFile(join(dir, "queries.f32"), queries.data);
}
/** numpy and faiss in a child process (1 thread each): median seconds of 3 searches, first query's ids. */
function pythonRound(): Record<string, { qps: number; first: number[] }> {
  const threads = { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
  const r = spawnSync(
    python,
    [
      "tools/bench/exact_search.py",
      join(dir, "gallery.f32"),
      join(dir, "queries.f32"),
      String(DIM),
      String(K),
      "3",
    ],
    { env: { ...process.env, ...threads }, encoding: "utf8", maxBuffer: 1 << 20, timeout: 600_000 },
  );
  if (r.status !== 0) throw new Error(`exact_search.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Record<string, { seconds: number[]; first: number[] }>;
  return Object.fromEntries(
    Object.entries(out).map(([name, v]) => [name, { qps: NQ / median(v.seconds), first: v.first }]),
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const results = new Map<string, number[]>();
const record = (key: string, v: number) => results.set(key, [...(results.get(key) ?? []), v]);
const exactness = new Map<string, string>();
for (const c of contenders) {
  if (c.rows) exactness.set(`${c.group}|${c.name}`, exactShare(await c.rows()).toFixed(2));
}
const loads: string[] = [load()];
for (let round = 0; round < ROUNDS; round++) {
  const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
  for (const c of order) record(`${c.group}|${c.name}`, await qps(c));
  record("one query per call|memory-bandwidth bound (streaming read, best of 5)", bandwidthBound());
  if (usePython) {
    for (const [name, v] of Object.entries(pythonRound())) {
      record(`batched|${name} (1 thread)`, v.qps);
      exactness.set(
        `batched|${name} (1 thread)`,
        v.first.every((x, i) => x === truth[0]![i]) ? "1.00 (q0)" : "no (q0)",
      );
    }
  }
  loads.push(load());
  console.log(`round ${round + 1}/${ROUNDS} done; load ${load()}`);
}
await rm(dir, { recursive: true, force: true });
await Promise.all([ort1.release(), ort2.release()]);

const reference = {
  batched: "batched|clipkit FlatIndex.search (wasm SIMD)",
  one: "one query per call|clipkit FlatIndex.search (wasm SIMD)",
};
console.log(
  `\nN = ${N} × ${DIM}-d float32, ${NQ} queries, top-${K}; median q/s over ${ROUNDS} interleaved rounds (min–max); load average (1/5/15 min) per round: ${loads.join(" → ")}\n`,
);
const bound = median(results.get("one query per call|memory-bandwidth bound (streaming read, best of 5)")!);
const bytesPerDim = new Map(contenders.map((c) => [`${c.group}|${c.name}`, c.bytesPerDim ?? 4]));
console.log(
  "| mode | contender | q/s median (min–max) | vs clipkit wasm | CPU ms per query | of its bandwidth bound | exact |",
);
console.log("|---|---|--:|--:|--:|--:|:-:|");
for (const [key, v] of results) {
  const [group, name] = key.split("|") as [string, string];
  const ref = median(results.get(group === "batched" ? reference.batched : reference.one)!);
  const m = median(v);
  const range = `${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)}`;
  // codes read fewer bytes than the float32 gallery the bound was measured on
  const ownBound = (bound * 4) / (bytesPerDim.get(key) ?? 4);
  const ofBound = group === "batched" ? "" : `${((100 * m) / ownBound).toFixed(0)} %`;
  const cpu = cpuMs.get(key);
  const cpuCell = cpu ? median(cpu).toFixed(2) : "";
  console.log(
    `| ${group} | ${name} | ${m.toFixed(1)} (${range}) | ${(m / ref).toFixed(2)}× | ${cpuCell} | ${ofBound} | ${exactness.get(key) ?? ""} |`,
  );
}
/** Ratios the issue asks about, from the medians above (q/s, and CPU time per query). */
const ratio = (a: string, b: string) => (median(results.get(a)!) / median(results.get(b)!)).toFixed(2);
const cpuRatio = (a: string, b: string) => (median(cpuMs.get(b)!) / median(cpuMs.get(a)!)).toFixed(3);
console.log(
  `\nsearchAsync ÷ raw graph (batched, 1 thread): ${ratio("batched|clipkit FlatIndex.searchAsync (onnxruntime GEMM)", "batched|onnxruntime Gemm+TopK graph alone")}× (CPU ${cpuRatio("batched|clipkit FlatIndex.searchAsync (onnxruntime GEMM)", "batched|onnxruntime Gemm+TopK graph alone")}×)`,
);
console.log(
  `int8 raw graph ÷ float32 raw graph (the int8 GEMM's bound): ${ratio("batched|onnxruntime int8 MatMulIntegerToFloat+TopK graph alone (approximate)", "batched|onnxruntime Gemm+TopK graph alone")}× (CPU ${cpuRatio("batched|onnxruntime int8 MatMulIntegerToFloat+TopK graph alone (approximate)", "batched|onnxruntime Gemm+TopK graph alone")}×); int8 searchAsync ÷ int8 raw graph: CPU ${cpuRatio("batched|clipkit int8 searchAsync (onnxruntime int8 GEMM) + exact re-score", "batched|onnxruntime int8 MatMulIntegerToFloat+TopK graph alone (approximate)")}×`,
);
console.log(
  `int8 searchAsync ÷ float32 searchAsync (batched): ${ratio("batched|clipkit int8 searchAsync (onnxruntime int8 GEMM) + exact re-score", "batched|clipkit FlatIndex.searchAsync (onnxruntime GEMM)")}× (CPU ${cpuRatio("batched|clipkit int8 searchAsync (onnxruntime int8 GEMM) + exact re-score", "batched|clipkit FlatIndex.searchAsync (onnxruntime GEMM)")}×)`,
);
console.log(
  `int8 + re-score ÷ float32 wasm: batched ${ratio("batched|clipkit int8 + exact re-score", reference.batched)}×, one query ${ratio("one query per call|clipkit int8 + exact re-score", reference.one)}×`,
);
console.log(
  `2 threads ÷ 1 thread: raw graph ${ratio("batched|onnxruntime Gemm+TopK alone, 2 threads", "batched|onnxruntime Gemm+TopK graph alone")}×, searchAsync batched ${ratio("batched|clipkit searchAsync, 2 threads", "batched|clipkit FlatIndex.searchAsync (onnxruntime GEMM)")}×, one query (GEMM) ${ratio("one query per call|clipkit searchAsync, 2 threads", "one query per call|onnxruntime Gemm+TopK graph alone")}×`,
);
