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

/**
 * Median ms per call of each of `fns` over all images. The functions alternate call by call, so
 * load changes on a shared machine hit every contender alike. Also returns each one's tokens.
 */
async function measure(
  fns: ((image: string) => Promise<number>)[],
): Promise<{ ms: number; tokens: number }[]> {
  for (const fn of fns) for (const image of images) await fn(image);
  const times = fns.map(() => [] as number[]);
  const tokens = fns.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (const image of images) {
      for (const [i, fn] of fns.entries()) {
        const t0 = performance.now();
        tokens[i] = await fn(image);
        times[i]!.push(performance.now() - t0);
      }
    }
  }
  return fns.map((_, i) => ({ ms: median(times[i]!), tokens: tokens[i]! }));
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

// Agreement first: the same greedy text from both libraries on every image, plain and with each
// logits processor (transformers.js implements them independently, following HF).
const settings: [GenerationOptions, Record<string, unknown>][] = [
  [{}, {}],
  [{ repetitionPenalty: 1.5 }, { repetition_penalty: 1.5 }],
  [{ noRepeatNgramSize: 2 }, { no_repeat_ngram_size: 2 }],
  [{ minNewTokens: 12 }, { min_new_tokens: 12 }],
  [{ badWordsIds: [[257], [268, 257]] }, { bad_words_ids: [[257], [268, 257]] }],
];
let agree = 0;
for (const [a, b] of settings) {
  for (const image of images) {
    const [ours] = await clipkit.caption([image], { maxNewTokens: 20, ...a });
    const peer = (await tjs(image, { max_new_tokens: 20, ...b })) as { generated_text: string }[];
    if (ours!.text.trim() === peer[0]!.generated_text.trim()) agree++;
  }
}

const rows: string[][] = [];
const fmt = (x: number) => x.toFixed(1);
const rate = (tokens: number, ms: number) => ((tokens / ms) * 1000).toFixed(0);
/** One table row: clipkit with and without the KV cache, and transformers.js when it can run the case. */
async function compare(name: string, o: GenerationOptions, peer?: Record<string, number>) {
  const fns = [ours(o), ours({ ...o, useCache: false }), ...(peer ? [theirs(peer)] : [])];
  const [cached, plain, other] = await measure(fns);
  const tokens = cached!.tokens;
  rows.push([
    name,
    `${fmt(cached!.ms)} (${rate(tokens, cached!.ms)})`,
    `${fmt(plain!.ms)} (${rate(tokens, plain!.ms)})`,
    `${(plain!.ms / cached!.ms).toFixed(2)}×`,
    other ? `${fmt(other.ms)} (${rate(tokens, other.ms)})` : "— (ignores num_beams)",
    other ? `${(other.ms / cached!.ms).toFixed(2)}×` : "—",
  ]);
}

await compare("greedy, max 20 (stops at EOS)", { maxNewTokens: 20 }, { max_new_tokens: 20 });
await compare(
  `greedy, forced ${forced} tokens`,
  { maxNewTokens: forced, minNewTokens: forced },
  { max_new_tokens: forced, min_new_tokens: forced },
);
await compare("beam 3, max 20 (stops at EOS)", { maxNewTokens: 20, numBeams: 3 });
await compare(`beam 3, forced ${forced} tokens`, { maxNewTokens: forced, minNewTokens: forced, numBeams: 3 });

const header = [
  "case (1 image per call)",
  "clipkit ms (tok/s)",
  "clipkit no-cache ms (tok/s)",
  "cache gain",
  "transformers.js ms (tok/s)",
  "clipkit speed-up",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(
  `${basename(dir)}, ${images.length} images × ${rounds} rounds, ${threads} thread(s), median per call`,
);
console.log(
  `greedy captions identical to transformers.js (plain + 4 processor settings): ${agree}/${settings.length * images.length}\n`,
);
console.log(line(header));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const r of rows) console.log(line(r));
await clipkit.release();
