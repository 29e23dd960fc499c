import type { Writable } from "node:stream";
import { type ImageInput, loadClipModel } from "@clipkit/backend-node";
import { type LoadedClipModel, parseDtype } from "@clipkit/core";
import { emojiModelDir, emojiModelScoring } from "@clipkit/model-emoji";
import { parsePositiveInt, resolveModelDir } from "./args.js";

/** The model flags shared by commands that load a model. */
export const MODEL_FLAGS = {
  model: { type: "string" },
  dtype: { type: "string" },
  "batch-size": { type: "string" },
} as const;

/** Usage lines for {@link MODEL_FLAGS}. */
export const MODEL_FLAGS_USAGE = `  --model DIR         model folder (Hugging Face / transformers.js layout); default: the
                      bundled demo model @clipkit/model-emoji
  --dtype D           weights: fp32 (default), fp16, quantized, …
  --batch-size N      inputs per inference call (default 32)`;

/**
 * Opens the model named by `--model` / `--dtype` / `--batch-size`. Without `--model` this is the
 * bundled demo model (see `resolveModelDir`), loaded with its trained scoring; the note saying so
 * goes to `stderr` so stdout stays clean for results.
 */
export async function openModel(
  values: {
    model?: string | undefined;
    dtype?: string | undefined;
    "batch-size"?: string | undefined;
  },
  stderr?: Writable,
): Promise<LoadedClipModel<ImageInput>> {
  const dir = resolveModelDir(values.model, stderr ? (line) => stderr.write(line) : undefined);
  const dtype = parseDtype(values.dtype);
  const batchSize = parsePositiveInt(values["batch-size"], "--batch-size", 32);
  const bundled = dir === emojiModelDir && (values.model === undefined || values.model.trim() === "");
  return loadClipModel(dir, { dtype, batchSize, ...(bundled ? { scoring: emojiModelScoring() } : {}) });
}
