/**
 * Generation speed per VLM family: clipkit vs transformers.js on the same fixture folder, same
 * picture and prompt, greedy, a forced number of new tokens (min = max new tokens on both sides),
 * contenders interleaved call by call in one process, same onnxruntime-node thread count.
 *
 *   npx tsx --conditions=@clipkit/source bench/vlm-families.bench.ts [--rounds 3] [--threads 1] [--tokens 32] [--calls 10]
 *
 * Each round makes `--calls` calls per contender per family; tokens/s per round = tokens generated
 * ÷ wall time of that round's calls; the table gives the median over rounds with min–max.
 * clipkit's time includes its image preprocessing and prompt tokenization (decoded pixels in);
 * transformers.js gets the reference processor's tensors (input_ids, pixel_values, …) from the
 * fixture's reference.json ready-made, because most fixtures have no transformers.js-style
 * processor config, so the comparison leans toward transformers.js. "same ids" compares the
 * forced-length greedy ids of both. transformers.js 4.3.1 has no BLIP model class, so BLIP runs
 * alone. Florence-2 has its own, more detailed benchmark (florence2.bench.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { decodeImage, nodeBackend, nodeFiles } from "@clipkit/backend-node";
import { loadVlmModel, runVlm, type VlmRequest } from "@clipkit/core";
import * as tjsLib from "@huggingface/transformers";

const { env, Tensor } = tjsLib;
type TjsTensor = InstanceType<typeof Tensor>;

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    threads: { type: "string", default: "1" },
    tokens: { type: "string", default: "32" },
    calls: { type: "string", default: "10" },
  },
});
const rounds = Number.parseInt(values.rounds, 10);
const threads = Number.parseInt(values.threads, 10);
const forced = Number.parseInt(values.tokens, 10);
const calls = Number.parseInt(values.calls, 10);
const fixtures = fileURLToPath(new URL("../fixtures/models/", import.meta.url));
const root = join(fixtures, "..", "..");

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = fixtures;

// biome-ignore lint/suspicious/noExplicitAny: reference.json layouts differ per generator
type Json = any;
const readRef = (name: string): Json =>
  JSON.parse(readFileSync(join(fixtures, name, "reference.json"), "utf8"));
const i64 = (ids: number[]) => new Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
const mask = (n: number) => new Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]);
const f32 = (data: ArrayLike<number>, dims: number[]) => new Tensor("float32", Float32Array.from(data), dims);
/** A slice of the float32 pixel_values.bin that the generator wrote (offset and shape in floats). */
function binPixels(name: string, entry: { offset: number; shape: number[] }, dims: number[]): TjsTensor {
  const buf = readFileSync(join(fixtures, name, "pixel_values.bin"));
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const n = entry.shape.reduce((a, b) => a * b, 1);
  return f32(all.subarray(entry.offset, entry.offset + n), dims);
}

/**
 * The folder's config with text_config's attention sizes copied to the top level: transformers
 * 5 nests them there, transformers.js 4.3.1 reads Qwen2-VL's at the top (transformers 4 layout).
 */
function liftedConfig(dir: string): InstanceType<typeof tjsLib.PretrainedConfig> {
  const raw = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Json;
  const keys = [
    "num_attention_heads",
    "num_key_value_heads",
    "hidden_size",
    "num_hidden_layers",
    "vocab_size",
  ];
  const lifted = Object.fromEntries(
    keys.filter((k) => k in raw.text_config).map((k) => [k, raw.text_config[k]]),
  );
  return new tjsLib.PretrainedConfig({ ...raw, ...lifted });
}

interface Family {
  family: string;
  folder: string;
  image: string;
  request: (image: Awaited<ReturnType<typeof decodeImage>>) => VlmRequest;
  /** transformers.js class name and its ready-made inputs, or why there is no peer. */
  peer:
    | {
        cls: string;
        inputs: () => Record<string, TjsTensor>;
        encoderDecoder: boolean;
        /** Lift text_config's sizes to the top level, where transformers.js 4.3.1 reads them. */
        liftTextConfig?: boolean;
      }
    | { none: string };
}

function families(): Family[] {
  const cap = readRef("tiny-captioner").images[0];
  const llava = readRef("tiny-llava").images[0];
  const llavaIds: number[] = llava.prompts["Describe the image."].input_ids;
  const qwen = readRef("tiny-qwen2vl");
  const qr = qwen.requests[0];
  const smol = readRef("tiny-smolvlm");
  const sr = smol.requests[0];
  const pali = readRef("tiny-paligemma");
  const pr = pali.requests[0];
  const blipVqa = readRef("tiny-blip-vqa").images[0];
  const vqaQuestion: string = blipVqa.prompts.find((p: Json) => p.text !== null).text;
  const caption: Family["request"] = (image) => ({ kind: "caption", images: [image] });
  const noBlip = "transformers.js 4.3.1 exports no BLIP model class";
  return [
    {
      family: "encoder-decoder",
      folder: "tiny-captioner",
      image: join("fixtures/models/tiny-captioner", cap.file),
      request: caption,
      peer: {
        cls: "VisionEncoderDecoderModel",
        encoderDecoder: true,
        inputs: () => ({ pixel_values: f32(cap.pixel_values, [1, 3, 32, 32]) }),
      },
    },
    {
      family: "llava",
      folder: "tiny-llava",
      image: join("fixtures/models/tiny-llava", llava.file),
      request: caption,
      peer: {
        cls: "LlavaForConditionalGeneration",
        encoderDecoder: false,
        inputs: () => ({
          input_ids: i64(llavaIds),
          attention_mask: mask(llavaIds.length),
          pixel_values: f32(llava.pixel_values, [1, 3, 32, 32]),
        }),
      },
    },
    {
      family: "blip (caption)",
      folder: "tiny-blip",
      image: readRef("tiny-blip").images[0].file,
      request: caption,
      peer: { none: noBlip },
    },
    {
      family: "blip (VQA)",
      folder: "tiny-blip-vqa",
      image: blipVqa.file,
      request: (image) => ({ kind: "question", images: [image], question: vqaQuestion }),
      peer: { none: noBlip },
    },
    {
      family: "qwen2_vl",
      folder: "tiny-qwen2vl",
      image: join("fixtures/models/tiny-qwen2vl", qwen.images[qr.images[0]]),
      request: caption,
      peer: {
        cls: "Qwen2VLForConditionalGeneration",
        encoderDecoder: false,
        liftTextConfig: true,
        inputs: () => {
          const e = qwen.pixel_values[qr.images[0]];
          return {
            input_ids: i64(qr.input_ids),
            attention_mask: mask(qr.input_ids.length),
            pixel_values: binPixels("tiny-qwen2vl", e, e.shape),
            image_grid_thw: i64(qr.image_grid_thw[0]),
          };
        },
      },
    },
    {
      family: "idefics3 (SmolVLM)",
      folder: "tiny-smolvlm",
      image: join("fixtures/models/tiny-smolvlm", smol.images[sr.images[0]]),
      request: caption,
      peer: {
        cls: "SmolVLMForConditionalGeneration",
        encoderDecoder: false,
        inputs: () => {
          const e = smol.pixel_values[sr.images[0]];
          const [n, c, h, w] = e.shape as [number, number, number, number];
          return {
            input_ids: i64(sr.input_ids),
            attention_mask: mask(sr.input_ids.length),
            pixel_values: binPixels("tiny-smolvlm", e, [1, n, c, h, w]),
            pixel_attention_mask: new Tensor("bool", new Uint8Array(n * h * w).fill(1), [1, n, h, w]),
          };
        },
      },
    },
    {
      family: "paligemma",
      folder: "tiny-paligemma",
      image: join("fixtures/models/tiny-paligemma", pali.images[pr.images[0]]),
      request: caption,
      peer: {
        cls: "PaliGemmaForConditionalGeneration",
        encoderDecoder: false,
        inputs: () => {
          const e = pali.pixel_values[pr.images[0]];
          return {
            input_ids: i64(pr.input_ids),
            attention_mask: mask(pr.input_ids.length),
            pixel_values: binPixels("tiny-paligemma", e, [1, ...e.shape]),
            // 0 = image and prefix tokens (the prompt has no suffix), as PaliGemmaProcessor sets it.
            token_type_ids: new Tensor("int64", new BigInt64Array(pr.input_ids.length), [
              1,
              pr.input_ids.length,
            ]),
          };
        },
      },
    },
  ];
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) =>
  `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;

console.log(
  `greedy, ${forced} forced new tokens, ${calls} calls × ${rounds} rounds per contender, ` +
    `${threads} intra-op thread(s), interleaved; load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}\n`,
);
console.log(
  "| family (fixture) | clipkit tok/s, median (min–max) | transformers.js tok/s | ratio | same ids |",
);
console.log("|---|---|---|---|---|");
for (const f of families()) {
  const dir = join(fixtures, f.folder);
  const model = await loadVlmModel({
    backend: nodeBackend({ intraOpThreads: threads, interOpThreads: 1 }),
    files: nodeFiles(dir),
  });
  const request = f.request(await decodeImage(join(root, f.image)));
  const opts = { maxNewTokens: forced, minNewTokens: forced };
  const ours = async () => (await runVlm(model, [request], opts))[0]!.tokens;

  let theirs: (() => Promise<number[]>) | undefined;
  let why = "";
  let release = async () => {};
  if ("cls" in f.peer) {
    const { cls, inputs, encoderDecoder, liftTextConfig } = f.peer;
    try {
      const Cls = (
        tjsLib as unknown as Record<string, { from_pretrained: (...a: unknown[]) => Promise<Json> }>
      )[cls]!;
      const tjs = await Cls.from_pretrained(f.folder, {
        dtype: "fp32",
        local_files_only: true,
        ...(liftTextConfig ? { config: liftedConfig(dir) } : {}),
        session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
      });
      const input = inputs();
      const skip = encoderDecoder ? 1 : Number(input.input_ids!.dims[1]);
      theirs = async () => {
        const out = (await tjs.generate({
          ...input,
          max_new_tokens: forced,
          min_new_tokens: forced,
          do_sample: false,
        })) as TjsTensor;
        return Array.from(out.data as BigInt64Array, Number).slice(skip);
      };
      await theirs(); // fails here, not mid-measurement, when transformers.js cannot run the folder
      release = () => tjs.dispose();
    } catch (e) {
      theirs = undefined;
      why = `transformers.js ${cls} fails: ${(e as Error).message
        .split("\n")[0]!
        .replace(/^An error occurred during model execution: /, "")
        .slice(0, 120)}`;
    }
  } else why = f.peer.none;

  const a = await ours();
  const b = theirs ? await theirs() : undefined;
  const same = b ? (JSON.stringify(a) === JSON.stringify(b) ? "yes" : "no") : "–";
  const rates = [[], []] as number[][];
  for (let r = 0; r < rounds; r++) {
    const spent = [0, 0];
    const made = [0, 0];
    for (let i = 0; i < calls; i++) {
      let t0 = performance.now();
      made[0]! += (await ours()).length;
      spent[0]! += performance.now() - t0;
      if (!theirs) continue;
      t0 = performance.now();
      made[1]! += (await theirs()).length;
      spent[1]! += performance.now() - t0;
    }
    rates[0]!.push((made[0]! / spent[0]!) * 1000);
    if (theirs) rates[1]!.push((made[1]! / spent[1]!) * 1000);
  }
  const peer = theirs ? fmt(rates[1]!) : `– (${why})`;
  const ratio = theirs ? `${(median(rates[0]!) / median(rates[1]!)).toFixed(2)}×` : "–";
  console.log(`| ${f.family} (${f.folder}) | ${fmt(rates[0]!)} | ${peer} | ${ratio} | ${same} |`);
  if (b && same === "no")
    console.log(`  clipkit ${JSON.stringify(a)}\n  transformers.js ${JSON.stringify(b)}`);
  await release();
  await model.release();
}
