/**
 * Load test of `clipkit serve` on loopback with autocannon: text search (and image search) over a
 * 100k-item exact (flat) index, with the bundled emoji model embedding every query.
 *
 *   npx tsx --conditions=@clipkit/source bench/serve.bench.ts [--items 100000] [--seconds 10] [--connections 8]
 *
 * The 100k gallery is SYNTHETIC: unit vectors near a random 16-d subspace of the model's space
 * (`syntheticEmbeddings`, tagged with the model's space id), since the bundled model's own image
 * set has 48 images. Search cost depends on the count and width of the vectors, not on where they
 * came from, so q/s and latency are those of a real 100k gallery of this model; the hits are not
 * meaningful. Each request is a full HTTP round trip: parse, queue, embed the query, exact search
 * of 100k rows, JSON out. RSS is read before and after the runs (flat RSS = no leak per request).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadClipModel, saveFlatIndexFile } from "@clipkit/backend-node";
import { startServer } from "@clipkit/cli";
import { createEmbeddings, FlatIndex, syntheticEmbeddings } from "@clipkit/core";
import { emojiModelDir, emojiModelScoring } from "@clipkit/model-emoji";
import autocannon from "autocannon";

const { values } = parseArgs({
  options: {
    items: { type: "string", default: "100000" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "8" },
    concurrency: { type: "string", default: "2" },
  },
});
const items = Number(values.items);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const openModel = () => loadClipModel(emojiModelDir, { scoring: emojiModelScoring() });

const dir = await mkdtemp(join(tmpdir(), "clipkit-serve-bench-"));
try {
  const indexPath = join(dir, "synthetic.ckidx");
  {
    const probe = await openModel();
    const space = probe.space;
    await probe.release();
    const synthetic = syntheticEmbeddings({ count: items, dim: space.dim, seed: 7 });
    const index = new FlatIndex<{ path: string }>(space);
    const ids = Array.from({ length: items }, (_, i) => `item-${i}`);
    index.add(
      ids,
      createEmbeddings(synthetic.data, items, space),
      ids.map((id) => ({ path: `synthetic/${id}.png` })),
    );
    await saveFlatIndexFile(index, indexPath);
  }
  const server = await startServer({
    indexPath,
    openModel,
    host: "127.0.0.1",
    port: 0,
    maxConcurrency: Number(values.concurrency),
    maxQueue: 256,
    timeoutMs: 30_000,
    maxBodyBytes: 1 << 20,
    watch: false,
    log: (line) => process.stderr.write(line),
  });
  const texts = [
    "a red heart",
    "a smiling face",
    "a dog",
    "a national flag",
    "a musical instrument",
    "a fruit",
  ];
  const image = await readFile(join(emojiModelDir, "..", "eval", "twemoji-sample", "images", "bear.png"));
  const run = (title: string, requests: autocannon.Request[]) =>
    autocannon({ url: `${server.url}/search`, connections, duration: seconds, requests, title });
  const summary = (name: string, r: autocannon.Result) =>
    console.log(
      `${name.padEnd(13)} ${r.requests.average.toFixed(0).padStart(6)} q/s   p50 ${r.latency.p50} ms   p99 ${r.latency.p99} ms   ` +
        `requests ${r.requests.total}   errors ${r.errors}   non-2xx ${r.non2xx}   timeouts ${r.timeouts}`,
    );
  // Warm-up: first calls pay onnxruntime's lazy allocations.
  await autocannon({
    url: `${server.url}/search`,
    connections: 2,
    amount: 50,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "warm", k: 10 }),
      },
    ],
  });
  const rssBefore = process.memoryUsage().rss;
  console.log(
    `clipkit serve, ${items} items × ${server.holder.current.index.space.dim} (flat, synthetic), bundled emoji model, ${connections} connections, --max-concurrency ${values.concurrency}, ${seconds} s per run, k = 10`,
  );
  const text = await run(
    "text",
    texts.map((t) => ({
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: t, k: 10 }),
    })),
  );
  summary("text search", text);
  const rssMid = process.memoryUsage().rss;
  const img = await run("image", [
    { method: "POST", path: "/search?k=10", headers: { "content-type": "image/png" }, body: image },
  ]);
  summary("image search", img);
  const rssAfter = process.memoryUsage().rss;
  console.log(`RSS: ${mb(rssBefore)} before, ${mb(rssMid)} after text, ${mb(rssAfter)} after image`);
  await server.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
