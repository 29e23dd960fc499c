/**
 * The runtime flags every model command takes — threads, execution providers (`--device`),
 * weight dtype and batch size — parsed once, so CLIP commands and caption/ask agree.
 */
import type { NodeBackendOptions } from "@clipkit/backend-node";
import { type ModelDtype, parseDtype } from "@clipkit/core";
import { MAX_BATCH_SIZE, MAX_THREADS, parseList, parsePositiveInt, usageError } from "./args.js";

/** parseArgs specs of the runtime flags. */
export const RUNTIME_FLAGS = {
  threads: { type: "string" },
  device: { type: "string" },
  dtype: { type: "string" },
  "batch-size": { type: "string" },
} as const;

/** Usage lines of {@link RUNTIME_FLAGS}. */
export const RUNTIME_FLAGS_USAGE = `  --threads N         onnxruntime intra-op threads (default: onnxruntime's, one per core)
  --device EP[,EP…]   execution providers in order of preference: cpu (default), cuda, …
                      (those this onnxruntime-node build has; an unavailable one is an error)
  --dtype D           weights: fp32 (default), fp16, quantized, int8, uint8, q4, q4f16, bnb4
                      (picks onnx/<name>_<suffix>.onnx)
  --batch-size N      inputs per inference call (default 32)`;

/** The parsed runtime flags. */
export interface RuntimeOptions {
  /** Session options for onnxruntime-node. */
  readonly backend: Pick<NodeBackendOptions, "intraOpThreads" | "executionProviders">;
  readonly dtype: ModelDtype;
  readonly batchSize: number;
}

/** Raw values of {@link RUNTIME_FLAGS}. */
export interface RuntimeValues {
  threads?: string | undefined;
  device?: string | undefined;
  dtype?: string | undefined;
  "batch-size"?: string | undefined;
}

/** Parses {@link RUNTIME_FLAGS}; usage mistakes are `INVALID_ARGUMENT` naming the flag. */
export function parseRuntimeFlags(values: RuntimeValues): RuntimeOptions {
  const threads =
    values.threads === undefined ? undefined : parsePositiveInt(values.threads, "--threads", 1, MAX_THREADS);
  const providers =
    values.device === undefined ? undefined : parseList(values.device).map((p) => p.toLowerCase());
  if (providers !== undefined && providers.length === 0)
    throw usageError("--device needs at least one execution provider, e.g. --device cpu", "--device");
  let dtype: ModelDtype;
  try {
    dtype = parseDtype(values.dtype);
  } catch (error) {
    throw usageError(`--dtype: ${(error as Error).message}`, "--dtype");
  }
  return {
    backend: {
      ...(threads === undefined ? {} : { intraOpThreads: threads }),
      ...(providers === undefined ? {} : { executionProviders: providers }),
    },
    dtype,
    batchSize: parsePositiveInt(values["batch-size"], "--batch-size", 32, MAX_BATCH_SIZE),
  };
}
