/**
 * Caption generation speed: clipkit vs transformers.js on the same image-to-text folder
 * (default fixtures/models/tiny-captioner), measured side by side in one run, plus the effect of
 * clipkit's KV cache (with vs without) for greedy and beam search.
 *
 *   npx tsx --conditions=@clipkit/source bench/generation.bench.ts [--rounds 15] [--threads 1] [--model DIR] [--tokens 64]
 *
 * `--model /tmp/wide-captioner` (from tools/fixtures/vlm/build_bench_model.py) shows the cache's
 * effect on a width-256 model; the width-32 fixture is dominated by per-call overhead.
 *
 * Both libraries run onnxruntime-node on CPU with the same thread count, decode the PNG and
 * detokenise; times are medians per call. "forced" cases set min_new_tokens = max_new_tokens so
 * every call generates the same number of tokens. transformers.js 4.3.1 ignores num_beams > 1
 * (it decodes greedily), so beam search has no peer column.
 */
import { readdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadCaptioner } from "@clipkit/backend-node";
import type { GenerationOptions } from "@clipkit/core";
import { env, pipeline } from "@huggingface/transformers";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "15" },
    threads: { type: "string", default: "1" },
    model: { type: "string" },
    tokens: { type: "string", default: "64" },
  },
});
const rounds = Number.parseInt(values.rounds, 10);
const threads = Number.parseInt(values.threads, 10);
const fixtures = fileURLToPath(new URL("../fixtures/models/", import.meta.url));
const dir = values.model ? resolve(values.model) : join(fixtures, "tiny-captioner");
const forced = Number.parseInt(values.tokens, 10);
const images = readdirSync(join(dir, "images"))
  .filter((f) => f.endsWith(".png"))
  .map((f) => join(dir, "images", f));

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = `${dirname(dir)}/`;

const clipkit = await loadCaptioner(dir, { backend: { intraOpThreads: threads, interOpThreads: 1 } });
const tjs = await pipeline("image-to-text", basename(dir), {
  dtype: "fp32",
  session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median ms per call of `fn` over all images, and the tokens it produced per call. */
async function measure(fn: (image: string) => Promise<number>): Promise<{ ms: number; tokens: number }> {
  for (const image of images) await fn(image);
  const times: number[] = [];
  let tokens = 0;
  for (let r = 0; r < rounds; r++) {
    for (const image of images) {
      const t0 = performance.now();
      tokens = await fn(image);
      times.push(performance.now() - t0);
    }
  }
  return { ms: median(times), tokens };
}

const ours = (o: GenerationOptions) => async (image: string) => {
  const [r] = await clipkit.caption([image], o);
  return r!.tokens.length;
};
// Token counts come from clipkit's run of the same case: both decode the same tokens (checked below).
const theirs = (o: Record<string, number>) => async (image: string) => {
  await tjs(image, o);
  return 0;
};

// Agreement first: the same greedy text from both libraries on every image.
let agree = 0;
for (const image of images) {
  const [a] = await clipkit.caption([image], { maxNewTokens: 20 });
  const b = (await tjs(image, { max_new_tokens: 20 })) as { generated_text: string }[];
  if (a!.text.trim() === b[0]!.generated_text.trim()) agree++;
}

const rows: string[][] = [];
const fmt = (x: number) => x.toFixed(2);
async function compare(name: string, o: GenerationOptions, peer?: Record<string, number>) {
  const a = await measure(ours(o));
  const aRate = (a.tokens / a.ms) * 1000;
  if (!peer) {
    rows.push([name, fmt(a.ms), aRate.toFixed(0), "—", "—", "—"]);
    return;
  }
  const b = await measure(theirs(peer));
  const bRate = (a.tokens / b.ms) * 1000;
  rows.push([name, fmt(a.ms), aRate.toFixed(0), fmt(b.ms), bRate.toFixed(0), `${(b.ms / a.ms).toFixed(2)}×`]);
}

await compare("greedy (stops at EOS)", { maxNewTokens: 20 }, { max_new_tokens: 20 });
await compare(
  `greedy forced ${forced} tokens`,
  { maxNewTokens: forced, minNewTokens: forced },
  { max_new_tokens: forced, min_new_tokens: forced },
);
await compare("beam 3 (stops at EOS)", { maxNewTokens: 20, numBeams: 3 });
await compare(`beam 3 forced ${forced} tokens`, { maxNewTokens: forced, minNewTokens: forced, numBeams: 3 });
await compare(`greedy forced ${forced}, no KV cache`, {
  maxNewTokens: forced,
  minNewTokens: forced,
  useCache: false,
});
await compare(`beam 3 forced ${forced}, no KV cache`, {
  maxNewTokens: forced,
  minNewTokens: forced,
  numBeams: 3,
  useCache: false,
});

const header = [
  "case (1 image per call)",
  "clipkit ms",
  "clipkit tok/s",
  "transformers.js ms",
  "transformers.js tok/s",
  "speed-up",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(
  `${basename(dir)}, ${images.length} images × ${rounds} rounds, ${threads} thread(s), median per call`,
);
console.log(`greedy captions identical to transformers.js: ${agree}/${images.length}\n`);
console.log(line(header));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const r of rows) console.log(line(r));
const cached = rows.find((r) => r[0] === `greedy forced ${forced} tokens`)!;
const uncached = rows.find((r) => r[0] === `greedy forced ${forced}, no KV cache`)!;
const beamCached = rows.find((r) => r[0] === `beam 3 forced ${forced} tokens`)!;
const beamUncached = rows.find((r) => r[0] === `beam 3 forced ${forced}, no KV cache`)!;
console.log(
  `\nKV cache speed-up at ${forced} tokens: greedy ${(Number(uncached[1]) / Number(cached[1])).toFixed(2)}×, beam 3 ${(Number(beamUncached[1]) / Number(beamCached[1])).toFixed(2)}×`,
);
await clipkit.release();
