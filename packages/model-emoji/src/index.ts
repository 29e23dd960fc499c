/**
 * @module
 * `@clipkit/model-emoji`: a small CLIP (ResNet image tower, transformer text tower over CLIP's BPE
 * vocabulary) trained by clipkit on emoji renderings. It is the model the clipkit CLI and demo use
 * when none is given. See MODEL_CARD.md for data, licences, training and metrics.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ClipkitError, type Scoring } from "@clipkit/core";

/**
 * Absolute path of the model folder (Hugging Face / transformers.js layout: `config.json`,
 * `preprocessor_config.json`, `tokenizer.json`, `onnx/{text,vision}_model.onnx`). Works from the
 * sources and from `dist/`, which both sit one level below the package root.
 */
export const emojiModelDir: string = fileURLToPath(new URL("../model", import.meta.url));

/** Input side of the vision tower in pixels. */
export const EMOJI_MODEL_IMAGE_SIZE = 64;

/**
 * The trained softmax scoring. The export has no combined graph to read the trained logit scale
 * from, so `config.json` carries it as `logit_scale` (natural log, as in CLIP checkpoints); pass
 * this as `scoring` to `loadClipModel` for calibrated probabilities. Rankings do not depend on it.
 */
export function emojiModelScoring(): Scoring {
  const config = JSON.parse(readFileSync(`${emojiModelDir}/config.json`, "utf8")) as {
    logit_scale?: unknown;
  };
  if (typeof config.logit_scale !== "number" || !Number.isFinite(config.logit_scale)) {
    throw new ClipkitError(
      "MODEL_CONFIG_INVALID",
      `${emojiModelDir}/config.json has no numeric logit_scale`,
      {
        details: { file: "config.json", key: "logit_scale" },
      },
    );
  }
  return { kind: "softmax", logitScale: Math.exp(config.logit_scale) };
}
