/**
 * Several worker processes index one image folder into ONE Postgres + pgvector table together,
 * then the table is searched. Without a database URL a PGlite (Postgres in WebAssembly) is served
 * on a loopback port with pglite-socket as a stand-in for a real server.
 *
 *   npx tsx --conditions=@clipkit/source examples/postgres-workers.ts [processes=3] [copies=1] [url]
 *
 * Each process runs exactly what you would run on each machine:
 *
 *   clipkit index FOLDER --to postgres://… --table emoji --json
 *
 * The first to start enqueues the folder's files as jobs (every process scans; `ON CONFLICT` makes
 * that idempotent), all claim batches with `FOR UPDATE SKIP LOCKED` and commit rows + job
 * completion in one transaction. `copies` repeats the 48-image sample under several folders for a
 * bigger run; the last line prints rows/s for comparing process counts.
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadClipModel, PgVectorRetriever } from "@clipkit/backend-node";
import { emojiModelDir, emojiModelScoring } from "@clipkit/model-emoji";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import pg from "pg";

const processes = Number(process.argv[2] ?? 3);
const copies = Number(process.argv[3] ?? 1);
const sample = join(emojiModelDir, "..", "eval", "twemoji-sample", "images");
const root = join(import.meta.dirname, "..");

// 1. The corpus: the bundled sample, `copies` times (each copy is its own set of paths).
const corpus = await mkdtemp(join(tmpdir(), "clipkit-pg-example-"));
for (let c = 0; c < copies; c++) await cp(sample, join(corpus, `copy${c}`), { recursive: true });

// 2. The database: the URL given, or PGlite with pgvector on a free loopback port.
let url = process.argv[4];
let stop = async () => {};
if (url === undefined) {
  const db = await PGlite.create({ extensions: { vector } });
  const port = await new Promise<number>((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
  const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections: 64 });
  await server.start();
  url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  stop = async () => {
    await server.stop();
    await db.close();
  };
}

// 3. The workers: `processes` copies of the CLI, started together, as on several machines.
const bin = join(root, "packages", "cli", "src", "bin.ts");
const started = performance.now();
const reports = await Promise.all(
  Array.from(
    { length: processes },
    () =>
      new Promise<{ embedded: number; size: number }>((done, fail) => {
        const args = ["--conditions=@clipkit/source", "--import", "tsx", bin, "index", corpus];
        args.push("--to", url!, "--table", "emoji", "--batch-size", "16", "--json");
        const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d) => {
          out += String(d);
        });
        child.on("exit", (code) =>
          code === 0 ? done(JSON.parse(out)) : fail(new Error(`worker exited ${code}`)),
        );
      }),
  ),
);
const seconds = (performance.now() - started) / 1000;
for (const [i, r] of reports.entries()) console.log(`process ${i + 1}: embedded ${r.embedded} images`);
const total = reports.reduce((s, r) => s + r.embedded, 0);
console.log(`table emoji: ${reports[0]!.size} rows, ${total} embeddings committed (each file once)`);

// 4. Search it (what `clipkit serve --index URL --table emoji` does per request).
const client = new pg.Client({ connectionString: url });
await client.connect();
const model = await loadClipModel(emojiModelDir, { scoring: emojiModelScoring() });
const store = await PgVectorRetriever.open(client, model.space, { table: "emoji" });
const [hits] = await store.search(await model.embedTexts(["a violin"]), { k: 3 });
console.log('text "a violin":');
for (const h of hits!) console.log(`  ${h.score.toFixed(4)}  ${h.id}`);
await model.release();
await client.end();
await stop();
await rm(corpus, { recursive: true, force: true });
console.log(
  `${processes} processes: ${total} images in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(1)} images/s, start-up included)`,
);
