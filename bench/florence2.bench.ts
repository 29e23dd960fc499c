/**
 * Florence-2 generation speed: clipkit vs transformers.js on the same folder (default
 * fixtures/models/tiny-florence2), measured side by side, after checking both produce the same
 * greedy tokens for every picture and task of the fixture's reference.
 *
 *   npx tsx --conditions=@clipkit/source bench/florence2.bench.ts [--rounds 5] [--threads 1] [--tokens 40]
 *
 * Both run onnxruntime-node on CPU with the same thread count. clipkit's time includes its image
 * preprocessing and prompt tokenization (decoded pixels in); transformers.js gets the processor's
 * tensors ready-made (the fixture has no transformers.js-style preprocessor_config.json), so the
 * comparison leans toward transformers.js. transformers.js 4.3.1 decodes greedily whatever
 * num_beams says, so only greedy cases are compared. Medians per call.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { decodeImage, nodeBackend, nodeFiles } from "@clipkit/backend-node";
import { loadVlmModel, type RawImage, runVlm, type VlmRequest } from "@clipkit/core";
import { env, Florence2ForConditionalGeneration, Tensor } from "@huggingface/transformers";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    threads: { type: "string", default: "1" },
    tokens: { type: "string", default: "40" },
  },
});
const rounds = Number.parseInt(values.rounds, 10);
const threads = Number.parseInt(values.threads, 10);
const forced = Number.parseInt(values.tokens, 10);
const fixtures = fileURLToPath(new URL("../fixtures/models/", import.meta.url));
const root = join(fixtures, "..", "..");
const dir = join(fixtures, "tiny-florence2");

interface Ref {
  image_seq_length: number;
  images: {
    file: string;
    pixel_values: number[];
    tasks: { task: string; text: string | null; input_ids: number[]; greedy: { ids: number[] }[] }[];
  }[];
}
const ref = JSON.parse(readFileSync(join(dir, "reference.json"), "utf8")) as Ref;

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = fixtures;
const model = await loadVlmModel({
  backend: nodeBackend({ intraOpThreads: threads, interOpThreads: 1 }),
  files: nodeFiles(dir),
});
const tjs = await Florence2ForConditionalGeneration.from_pretrained("tiny-florence2", {
  dtype: "fp32",
  session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
});

interface Case {
  label: string;
  request: VlmRequest;
  tjsInputs: Record<string, Tensor>;
}
const cases: Case[] = [];
for (const im of ref.images) {
  const image: RawImage = await decodeImage(join(root, im.file));
  const pixel_values = new Tensor("float32", Float32Array.from(im.pixel_values), [1, 3, 64, 64]);
  for (const c of im.tasks) {
    const ids = c.input_ids.slice(ref.image_seq_length);
    const request: VlmRequest =
      c.text === null
        ? { kind: "task", images: [image], task: c.task }
        : { kind: "task", images: [image], task: c.task, text: c.text };
    cases.push({
      label: `${im.file} ${c.task}`,
      request,
      tjsInputs: {
        input_ids: new Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
        attention_mask: new Tensor("int64", new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
        pixel_values,
      },
    });
  }
}

const ours = async (c: Case, o: { maxNewTokens: number; minNewTokens?: number }) => {
  const [r] = await runVlm(model, [c.request], o);
  return r!.tokens;
};
const theirs = async (c: Case, o: Record<string, number>) => {
  const out = (await tjs.generate({ ...c.tjsInputs, ...o, do_sample: false })) as Tensor;
  return Array.from(out.data as BigInt64Array, Number).slice(1);
};

let agree = 0;
for (const c of cases) {
  const a = await ours(c, { maxNewTokens: 40 });
  const b = await theirs(c, { max_new_tokens: 40 });
  if (JSON.stringify(a) === JSON.stringify(b)) agree++;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
async function measure(
  name: string,
  o: { maxNewTokens: number; minNewTokens?: number },
  peer: Record<string, number>,
) {
  const times = [[], []] as number[][];
  let tokens = 0;
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      let t0 = performance.now();
      tokens += (await ours(c, o)).length;
      times[0]!.push(performance.now() - t0);
      t0 = performance.now();
      await theirs(c, peer);
      times[1]!.push(performance.now() - t0);
    }
  }
  const perCall = tokens / (rounds * cases.length);
  const [a, b] = [median(times[0]!), median(times[1]!)];
  const rate = (ms: number) => ((perCall / ms) * 1000).toFixed(0);
  console.log(
    `| ${name} | ${perCall.toFixed(1)} | ${a.toFixed(1)} (${rate(a)}) | ${b.toFixed(1)} (${rate(b)}) | ${(b / a).toFixed(2)}× |`,
  );
}

console.log(`tiny-florence2, ${cases.length} (picture, task) calls × ${rounds} rounds, ${threads} thread(s)`);
console.log(`greedy tokens identical to transformers.js: ${agree}/${cases.length}\n`);
console.log(
  "| case (1 picture per call) | tokens/call | clipkit ms (tok/s) | transformers.js ms (tok/s) | clipkit speed-up |",
);
console.log("|---|---|---|---|---|");
await measure("greedy, max 40 (stops at EOS)", { maxNewTokens: 40 }, { max_new_tokens: 40 });
await measure(
  `greedy, forced ${forced} tokens`,
  { maxNewTokens: forced, minNewTokens: forced },
  { max_new_tokens: forced, min_new_tokens: forced },
);
await model.release();
