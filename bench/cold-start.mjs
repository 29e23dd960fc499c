/**
 * One cold start, as a user's script runs it: plain `node` (no tsx loader hooks, which the .ts
 * bench harness needs and which slowed module loading for the process and its workers), import +
 * load + the first embedding of one photo, then exit. Spawned by pipeline.bench.ts, interleaved.
 *
 *   node bench/cold-start.mjs <clipkit|transformers.js> MODEL_DIR PHOTO
 *
 * Prints `{ "firstMs": …, "peakRss": … }` (ms from the start of this script, bytes).
 */
import { basename, dirname } from "node:path";

const [contender, model, photo] = process.argv.slice(2);
if (!contender || !model || !photo) {
  console.error("usage: node bench/cold-start.mjs <clipkit|transformers.js> MODEL_DIR PHOTO");
  process.exit(2);
}
const THREADS = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const t0 = performance.now();
if (contender === "clipkit") {
  const { loadClipModel } = await import("@clipkit/backend-node");
  const m = await loadClipModel(model, { intraOpThreads: 1, interOpThreads: 1 });
  await m.embedImages([photo], { batchSize: 1 });
} else if (contender === "transformers.js") {
  const { AutoProcessor, CLIPVisionModelWithProjection, env, RawImage } = await import(
    "@huggingface/transformers"
  );
  env.allowRemoteModels = false;
  env.localModelPath = dirname(model);
  const processor = await AutoProcessor.from_pretrained(basename(model));
  const vision = await CLIPVisionModelWithProjection.from_pretrained(basename(model), {
    dtype: "fp32",
    session_options: THREADS,
  });
  await vision(await processor([await RawImage.read(photo)]));
} else {
  console.error(`unknown contender ${contender}`);
  process.exit(2);
}
console.log(
  JSON.stringify({ firstMs: performance.now() - t0, peakRss: process.resourceUsage().maxRSS * 1024 }),
);
process.exit(0);
