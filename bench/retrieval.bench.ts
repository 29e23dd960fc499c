/**
 * Retrieval: build time, queries per second, recall@10 and memory per vector for every index
 * clipkit ships, side by side in one run on the same data and queries.
 *
 *   npx tsx --conditions=@clipkit/source bench/retrieval.bench.ts [--n 100000] [--dim 512] [--queries 64] [--pg-n 10000]
 *
 * Data: unit vectors near a random 16-dim subspace plus noise (`syntheticEmbeddings`) — the low
 * intrinsic dimension of real CLIP embeddings, where ANN recall is meaningful (uniform noise
 * makes every neighbour equidistant). Ground truth: the exact float32 flat index.
 *
 * Rows: clipkit FlatIndex float32 (batched: all queries in one call; and one query per call),
 * FlatIndex int8 (+ exact re-scoring, and without), usearch exact (native SIMD brute force, one
 * thread like the flat scan), usearch HNSW, and pgvector on PGlite (single-threaded WASM Postgres;
 * exact and HNSW, on `--pg-n` vectors because inserts through SQL are slow). Each row is timed once,
 * one after another: this is the overview of every store; the fair exact-search comparison
 * (interleaved rounds, medians, onnxruntime GEMM, numpy/faiss) is `retrieval-exact.bench.ts`.
 */
import { parseArgs } from "node:util";
import { nativeExactSearch, PgVectorRetriever, UsearchIndex } from "@clipkit/backend-node";
import { type Embeddings, FlatIndex, type SearchHit, syntheticEmbeddings } from "@clipkit/core";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "100000" },
    dim: { type: "string", default: "512" },
    queries: { type: "string", default: "64" },
    "pg-n": { type: "string", default: "10000" },
    k: { type: "string", default: "10" },
  },
});
const N = Number(values.n);
const DIM = Number(values.dim);
const NQ = Number(values.queries);
const PG_N = Math.min(N, Number(values["pg-n"]));
const K = Number(values.k);

interface Row {
  name: string;
  n: number;
  buildS: number;
  qps: number;
  recall: number;
  bytesPerVector: number;
}
const rows: Row[] = [];
const now = () => performance.now();

function recall(got: { id: string }[][], truth: SearchHit[][]): number {
  let hit = 0;
  got.forEach((hits, q) => {
    const want = new Set(truth[q]!.slice(0, K).map((h) => h.id));
    hit += hits.slice(0, K).filter((h) => want.has(h.id)).length;
  });
  return hit / (K * got.length);
}

/** Runs `search` for at least `minMs` (and at least once) and returns queries per second. */
async function qps(queriesPerCall: number, search: () => unknown, minMs = 1500): Promise<number> {
  let calls = 0;
  const t0 = now();
  do {
    await search();
    calls++;
  } while (now() - t0 < minMs);
  return (calls * queriesPerCall * 1000) / (now() - t0);
}

function rowsOf(e: Embeddings, from: number, to: number): Embeddings {
  return { ...e, data: e.data.subarray(from * e.dim, to * e.dim), count: to - from };
}

console.log(`retrieval bench: N=${N} dim=${DIM} queries=${NQ} k=${K} (pgvector on ${PG_N})`);
let t = now();
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
console.log(`data generated in ${((now() - t) / 1000).toFixed(1)} s`);

// Exact float32 flat index: the ground truth.
t = now();
const flat = new FlatIndex(gallery.space);
flat.add(ids, gallery);
const flatBuild = (now() - t) / 1000;
const truth = flat.search(queries, { k: K });
const one = (q: number): Embeddings => rowsOf(queries, q, q + 1);
rows.push({
  name: "flat float32, batched",
  n: N,
  buildS: flatBuild,
  qps: await qps(NQ, () => flat.search(queries, { k: K })),
  recall: 1,
  bytesPerVector: flat.bytesPerVector(),
});
let qi = 0;
rows.push({
  name: "flat float32, 1 query/call",
  n: N,
  buildS: flatBuild,
  qps: await qps(1, () => flat.search(one(qi++ % NQ), { k: K })),
  recall: 1,
  bytesPerVector: flat.bytesPerVector(),
});

for (const rescore of [true, false]) {
  t = now();
  const int8 = new FlatIndex(gallery.space, { storage: "int8", rescore });
  int8.add(ids, gallery);
  const build = (now() - t) / 1000;
  rows.push({
    name: `flat int8${rescore ? " + re-score" : ", no re-score"}, batched`,
    n: N,
    buildS: build,
    qps: await qps(NQ, () => int8.search(queries, { k: K })),
    recall: recall(int8.search(queries, { k: K }), truth),
    bytesPerVector: int8.bytesPerVector(),
  });
}

// usearch exact: native SIMD brute force, one thread (the flat scan uses one).
const exactHits = () =>
  nativeExactSearch(gallery.data, queries.data, DIM, K, 1).map((r) => r.rows.map((i) => ({ id: `v${i}` })));
rows.push({
  name: "usearch exact (native, 1 thread)",
  n: N,
  buildS: 0,
  qps: await qps(NQ, exactHits),
  recall: recall(exactHits(), truth),
  bytesPerVector: 4 * DIM,
});

t = now();
const hnsw = new UsearchIndex(gallery.space, { connectivity: 16, expansionAdd: 128, expansionSearch: 64 });
hnsw.add(ids, gallery);
const hnswBuild = (now() - t) / 1000;
const hnswBytes = Number(hnsw.native.size()) > 0 ? await nativeBytes(hnsw) : 0;
rows.push({
  name: "usearch HNSW (M16 ef64), batched",
  n: N,
  buildS: hnswBuild,
  qps: await qps(NQ, () => hnsw.search(queries, { k: K })),
  recall: recall(hnsw.search(queries, { k: K }), truth),
  bytesPerVector: hnswBytes / N,
});

async function nativeBytes(index: UsearchIndex): Promise<number> {
  const { mkdtemp, rm, stat } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = await mkdtemp(join(tmpdir(), "bench-usearch-"));
  index.native.save(join(dir, "g"));
  const size = (await stat(join(dir, "g"))).size;
  await rm(dir, { recursive: true });
  return size;
}

// pgvector on PGlite, on the first PG_N vectors (ground truth recomputed for that subset).
const pgGallery = rowsOf(gallery, 0, PG_N);
const pgFlat = new FlatIndex(gallery.space);
pgFlat.add(ids.slice(0, PG_N), pgGallery);
const pgTruth = pgFlat.search(queries, { k: K });
const db = await PGlite.create({ extensions: { vector } });
for (const hnswOptions of [false, { m: 16, efConstruction: 64, efSearch: 64 }] as const) {
  const table = hnswOptions ? "bench_hnsw" : "bench_exact";
  t = now();
  // HNSW built after the bulk insert (CREATE INDEX on a full table), as pgvector recommends.
  const store = await PgVectorRetriever.open(db, gallery.space, { table, batchSize: 500 });
  await store.add(ids.slice(0, PG_N), pgGallery);
  if (hnswOptions) await PgVectorRetriever.open(db, gallery.space, { table, hnsw: hnswOptions });
  const build = (now() - t) / 1000;
  const searcher = hnswOptions
    ? await PgVectorRetriever.open(db, gallery.space, { table, hnsw: hnswOptions })
    : store;
  const size = await db.query<{ b: number }>(`SELECT pg_total_relation_size('${table}')::float8 AS b`);
  rows.push({
    name: `pgvector on PGlite, ${hnswOptions ? "HNSW (m16 ef64)" : "exact scan"}`,
    n: PG_N,
    buildS: build,
    qps: await qps(NQ, () => searcher.search(queries, { k: K }), 1000),
    recall: recall(await searcher.search(queries, { k: K }), pgTruth),
    bytesPerVector: size.rows[0]!.b / PG_N,
  });
}
await db.close();

const header = ["index", "N", "build s", "QPS", "recall@10", "bytes/vector"];
const table = rows.map((r) => [
  r.name,
  String(r.n),
  r.buildS.toFixed(2),
  r.qps.toFixed(1),
  r.recall.toFixed(4),
  r.bytesPerVector.toFixed(0),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
console.log(
  `\n${line(header)}\n|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`,
);
for (const r of table) console.log(line(r));
console.log(
  "\nRows are timed one after another; for the fair exact-search comparison run retrieval-exact.bench.ts.",
);
