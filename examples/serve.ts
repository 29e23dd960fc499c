/**
 * Run the search service from code: index the bundled model's emoji sample, start `clipkit serve`'s
 * server on a free loopback port, query it over HTTP by text and by image, and shut it down.
 *
 *   npx tsx --conditions=@clipkit/source examples/serve.ts
 *
 * The same as `clipkit index … --out F` followed by `clipkit serve --index F` (see docs/serve.md);
 * `startServer` is what the command runs.
 */
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadClipModel } from "@clipkit/backend-node";
import { runCli, startServer } from "@clipkit/cli";
import { emojiModelDir, emojiModelScoring } from "@clipkit/model-emoji";

const images = join(emojiModelDir, "..", "eval", "twemoji-sample", "images");
const indexPath = join(tmpdir(), `clipkit-serve-example-${process.pid}.ckidx`);

// 1. Build the index with the CLI (bundled emoji model, exact flat index).
if ((await runCli(["index", images, "--out", indexPath])) !== 0) process.exit(1);

// 2. Serve it: loopback only, two requests at a time, up to 16 waiting, 10 s each.
const server = await startServer({
  indexPath,
  openModel: () => loadClipModel(emojiModelDir, { scoring: emojiModelScoring() }),
  host: "127.0.0.1",
  port: 0,
  maxConcurrency: 2,
  maxQueue: 16,
  timeoutMs: 10_000,
  maxBodyBytes: 4 << 20,
  log: (line) => process.stderr.write(line),
});
interface Hits {
  results: { id: string; score: number; metadata: { path: string } }[];
}
const show = (title: string, body: Hits) => {
  console.log(title);
  for (const h of body.results) console.log(`  ${h.score.toFixed(4)}  ${h.metadata.path.split("/").pop()}`);
};
try {
  console.log(`serving ${server.url} (web UI at ${server.url}/)`);
  // 3. Text → images.
  const byText = await fetch(`${server.url}/search`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: "a violin", k: 3 }),
  });
  show('text "a violin":', (await byText.json()) as Hits);
  // 4. Image → images: the raw bytes as the body, k in the query string.
  const byImage = await fetch(`${server.url}/search?k=3`, {
    method: "POST",
    headers: { "content-type": "image/png" },
    body: await readFile(join(images, "kangaroo.png")),
  });
  show("image kangaroo.png:", (await byImage.json()) as Hits);
  // 5. A typed error: k out of range.
  const bad = await fetch(`${server.url}/search`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: "x", k: 0 }),
  });
  console.log(`k = 0 → ${bad.status}`, await bad.json());
} finally {
  await server.close(); // drains in-flight requests, releases the model
  await rm(indexPath, { force: true });
}
