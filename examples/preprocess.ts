/**
 * Decode an image and turn it into the tensor a CLIP or SigLIP vision tower expects, exactly as
 * the Python reference pipelines (Pillow) would.
 *
 *   npx tsx --conditions=@clipkit/source examples/preprocess.ts [image] [preprocessor_config.json]
 *
 * Without arguments it uses a bundled test photo and shows four configs side by side: openai/CLIP
 * through open_clip's preprocess config, Hugging Face's CLIPImageProcessor, SigLIP's squash, and a
 * legacy ViTFeatureExtractor file (read class-aware, as transformers reads it).
 */
import { readFileSync } from "node:fs";
import { decodeImage } from "@clipkit/backend-node";
import {
  checkResizeWork,
  outputSize,
  type PreprocessConfig,
  parsePreprocessorConfig,
  preprocessBatch,
  preprocessImage,
} from "@clipkit/core";

const [imagePath = new URL("../tools/fixtures/images/chelsea.jpg", import.meta.url).pathname, configPath] =
  process.argv.slice(2);

const configs: Record<string, PreprocessConfig> = configPath
  ? { [configPath]: parsePreprocessorConfig(JSON.parse(readFileSync(configPath, "utf8"))) }
  : {
      "open_clip (openai/CLIP order)": parsePreprocessorConfig({ image_size: 224, resize_mode: "shortest" }),
      "HF CLIPImageProcessor": parsePreprocessorConfig({
        image_processor_type: "CLIPImageProcessor",
        size: { shortest_edge: 224 },
        crop_size: { height: 224, width: 224 },
        do_center_crop: true,
        resample: 3,
      }),
      "HF SiglipImageProcessor": parsePreprocessorConfig({
        image_processor_type: "SiglipImageProcessor",
        size: { height: 256, width: 256 },
        resample: 3,
        image_mean: [0.5, 0.5, 0.5],
        image_std: [0.5, 0.5, 0.5],
      }),
      // A legacy captioner file: the class decides what an int size means (a square for ViT) and
      // the defaults (mean = std = 0.5, bilinear), as transformers reads it.
      "HF ViTFeatureExtractor (legacy)": parsePreprocessorConfig({
        feature_extractor_type: "ViTFeatureExtractor",
        size: 224,
      }),
    };

// EXIF orientation applied, ICC ignored (as Pillow), 16-bit reduced as Pillow does, bombs refused;
// only a regular file of at most maxFileBytes is read (a FIFO or /dev/zero is refused, not read).
const image = await decodeImage(imagePath, { maxPixels: 50_000_000, maxFileBytes: 64 << 20 });
console.log(`${imagePath}: ${image.width}×${image.height}, ${image.channels} channel(s)\n`);

for (const [name, config] of Object.entries(configs)) {
  // Refuses extreme aspect ratios whose resize would need gigabytes (a 1,000,000×1 strip), from sizes alone.
  checkResizeWork(image.width, image.height, config);
  const pixels = preprocessImage(image, config);
  const { height, width } = outputSize(config);
  const plane = height * width;
  const mean = (c: number) => pixels.subarray(c * plane, (c + 1) * plane).reduce((a, b) => a + b, 0) / plane;
  console.log(
    `${name}: resize ${JSON.stringify(config.resize)} ${config.resample}, crop ${JSON.stringify(config.crop)}`,
  );
  console.log(
    `  → float32 [3, ${height}, ${width}]; channel means ${[0, 1, 2].map((c) => mean(c).toFixed(3)).join(", ")}`,
  );
}

// A batch for an ONNX session: NCHW float32, every image through the same config.
const first = Object.values(configs)[0]!;
const batch = preprocessBatch([image, image], first);
console.log(`\nbatch dims [${batch.dims.join(", ")}], ${batch.data.length} floats`);
