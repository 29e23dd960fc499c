import { type LoadedClipModel, parseDtype } from "@clipkit/core";
import type { ImageInput } from "../../image/index.js";
import { loadClipModel } from "../../model/index.js";
import { parsePositiveInt, resolveModelDir } from "./args.js";

/** The model flags shared by commands that load a model. */
export const MODEL_FLAGS = {
  model: { type: "string" },
  dtype: { type: "string" },
  "batch-size": { type: "string" },
} as const;

/** Usage lines for {@link MODEL_FLAGS}. */
export const MODEL_FLAGS_USAGE = `  --model DIR         model folder (Hugging Face / transformers.js layout)
  --dtype D           weights: fp32 (default), fp16, quantized, …
  --batch-size N      inputs per inference call (default 32)`;

/** Opens the model named by `--model` / `--dtype` / `--batch-size`. */
export async function openModel(values: {
  model?: string | undefined;
  dtype?: string | undefined;
  "batch-size"?: string | undefined;
}): Promise<LoadedClipModel<ImageInput>> {
  const dir = resolveModelDir(values.model);
  const dtype = parseDtype(values.dtype);
  const batchSize = parsePositiveInt(values["batch-size"], "--batch-size", 32);
  return loadClipModel(dir, { dtype, batchSize });
}
