/**
 * Image decode + preprocess: clipkit (sharp decode, Pillow-exact TypeScript resize) vs
 * transformers.js (`RawImage.read` + `AutoProcessor` from a local CLIP preprocessor_config.json,
 * remote models disabled), side by side on the committed test photos, plus both libraries'
 * accuracy against Pillow reference outputs (tools/fixtures/images).
 *
 *   npx tsx --conditions=@clipkit/source bench/preprocess.bench.ts [--rounds 20]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { decodeImage } from "@clipkit/backend-node";
import { parsePreprocessorConfig, preprocessImage } from "@clipkit/core";
import { AutoProcessor, env, RawImage } from "@huggingface/transformers";
import { IMAGE_FIXTURES, loadReferenceCases, referenceTensor } from "../tools/fixtures/images/reference.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "20" } } });
const rounds = Number.parseInt(values.rounds, 10);

/** openai/clip-vit-base-patch32's preprocessor_config.json. */
const CLIP_CONFIG = {
  crop_size: { height: 224, width: 224 },
  do_center_crop: true,
  do_convert_rgb: true,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_processor_type: "CLIPImageProcessor",
  image_std: [0.26862954, 0.26130258, 0.27577711],
  resample: 3,
  rescale_factor: 0.00392156862745098,
  size: { shortest_edge: 224 },
};
const PHOTOS = ["chelsea.jpg", "coffee.jpg", "astronaut_256.png", "odd_225x301.jpg"].map((f) =>
  join(IMAGE_FIXTURES, f),
);

type Run = (path: string, config: Record<string, unknown>) => Promise<Float32Array>;

env.allowRemoteModels = false;
const modelDir = mkdtempSync(join(tmpdir(), "clipkit-bench-"));
env.localModelPath = `${modelDir}/`;
const processors = new Map<string, Awaited<ReturnType<typeof AutoProcessor.from_pretrained>>>();

/** transformers.js's processor for `config`, loaded the documented way: a local folder, no hub. */
async function transformersProcessor(config: Record<string, unknown>) {
  const key = JSON.stringify(config);
  let processor = processors.get(key);
  if (!processor) {
    const name = `model-${processors.size}`;
    mkdirSync(join(modelDir, name));
    writeFileSync(join(modelDir, name, "preprocessor_config.json"), key);
    processor = await AutoProcessor.from_pretrained(name, { local_files_only: true });
    processors.set(key, processor);
  }
  return processor;
}

const clipkitConfigs = new Map<string, ReturnType<typeof parsePreprocessorConfig>>();
const peers: { name: string; run: Run }[] = [
  {
    name: "clipkit",
    async run(path, config) {
      const key = JSON.stringify(config);
      let cfg = clipkitConfigs.get(key);
      if (!cfg) {
        cfg = parsePreprocessorConfig(config);
        clipkitConfigs.set(key, cfg);
      }
      return preprocessImage(await decodeImage(path), cfg);
    },
  },
  {
    name: "transformers.js 4.3.1",
    async run(path, config) {
      const processor = await transformersProcessor(config);
      const { pixel_values } = await processor(await RawImage.read(path));
      return pixel_values.data as Float32Array;
    },
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

// Speed: each round decodes and preprocesses every photo with each peer, photo by photo, the
// peers' order alternating between rounds, so load changes on a shared machine hit both alike.
// Wall time and process CPU time (main thread + sharp's libuv workers), summed per round.
const wall = new Map<string, number[]>(peers.map((p) => [p.name, []]));
const cpu = new Map<string, number[]>(peers.map((p) => [p.name, []]));
for (let r = -3; r < rounds; r++) {
  const w = new Map<string, number>(peers.map((p) => [p.name, 0]));
  const c = new Map<string, number>(peers.map((p) => [p.name, 0]));
  for (const path of PHOTOS) {
    for (const peer of r % 2 === 0 ? peers : [...peers].reverse()) {
      const c0 = process.cpuUsage();
      const start = performance.now();
      await peer.run(path, CLIP_CONFIG);
      w.set(peer.name, w.get(peer.name)! + performance.now() - start);
      const used = process.cpuUsage(c0);
      c.set(peer.name, c.get(peer.name)! + (used.user + used.system) / 1000);
    }
  }
  if (r < 0) continue;
  for (const peer of peers) {
    wall.get(peer.name)!.push(w.get(peer.name)! / PHOTOS.length);
    cpu.get(peer.name)!.push(c.get(peer.name)! / PHOTOS.length);
  }
}

// Accuracy: every reference case an HF image processor describes, on the photos.
const cases = loadReferenceCases().filter(
  (c) =>
    c.pipeline === "hf" &&
    ["chelsea.jpg", "coffee.jpg", "astronaut_256.png", "odd_225x301.jpg"].includes(c.image),
);
// openai-224 on chelsea equals HF CLIP at 224 there (RGB photo, even crop offsets), so it is included as such.
const chelsea224 = loadReferenceCases().find((c) => c.image === "chelsea.jpg" && c.label === "openai-224")!;
const accuracyCases = [...cases, { ...chelsea224, label: "hf-clip-224", config: CLIP_CONFIG }];
const accuracy = new Map<string, { mean: number; max: number; exact: number }>();
for (const peer of peers) {
  let sum = 0;
  let n = 0;
  let max = 0;
  let exactCases = 0;
  for (const c of accuracyCases) {
    const ours = await peer.run(join(IMAGE_FIXTURES, c.image), c.config);
    const ref = referenceTensor(c);
    let caseMax = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(ours[i]! - ref[i]!);
      sum += d;
      caseMax = Math.max(caseMax, d);
    }
    n += ref.length;
    max = Math.max(max, caseMax);
    if (caseMax === 0) exactCases++;
  }
  accuracy.set(peer.name, { mean: sum / n, max, exact: exactCases });
}

const baseWall = median(wall.get("clipkit")!);
const baseCpu = median(cpu.get("clipkit")!);
console.log(
  `decode + preprocess, CLIP ViT-B/32 config (224), ${PHOTOS.length} photos × ${rounds} rounds, medians`,
);
console.log(
  `accuracy vs Pillow over ${accuracyCases.length} HF-pipeline cases on the photos (normalised units)\n`,
);
console.log("| library | wall ms/image | ratio | CPU ms/image | ratio | mean |Δ| | max |Δ| | exact cases |");
console.log("|---|---|---|---|---|---|---|---|");
for (const peer of peers) {
  const w = median(wall.get(peer.name)!);
  const c = median(cpu.get(peer.name)!);
  const a = accuracy.get(peer.name)!;
  console.log(
    `| ${peer.name} | ${w.toFixed(2)} | ${(w / baseWall).toFixed(2)}× | ${c.toFixed(2)} | ${(c / baseCpu).toFixed(2)}× | ${a.mean.toExponential(2)} | ${a.max.toFixed(3)} | ${a.exact}/${accuracyCases.length} |`,
  );
}
rmSync(modelDir, { recursive: true, force: true });
