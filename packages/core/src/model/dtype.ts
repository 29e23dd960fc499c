import { ClipkitError } from "../errors.js";

/**
 * Weight formats a hub export may ship, named as transformers.js names them. Each maps to a file
 * suffix: `onnx/text_model_fp16.onnx` is the `fp16` text tower.
 */
export type ModelDtype = "fp32" | "fp16" | "quantized" | "int8" | "uint8" | "q4" | "q4f16" | "bnb4";

/** File-name suffix of each {@link ModelDtype}. */
export const DTYPE_SUFFIXES: Readonly<Record<ModelDtype, string>> = {
  fp32: "",
  fp16: "_fp16",
  quantized: "_quantized",
  int8: "_int8",
  uint8: "_uint8",
  q4: "_q4",
  q4f16: "_q4f16",
  bnb4: "_bnb4",
};

/** Every dtype, in the order error messages list them. */
export const MODEL_DTYPES: readonly ModelDtype[] = Object.keys(DTYPE_SUFFIXES) as ModelDtype[];

/** Checks a user-supplied dtype, naming the accepted values when it is not one of them. */
export function parseDtype(value: unknown): ModelDtype {
  if (value === undefined) return "fp32";
  if (typeof value === "string" && value in DTYPE_SUFFIXES) return value as ModelDtype;
  throw new ClipkitError(
    "INVALID_ARGUMENT",
    `dtype must be one of ${MODEL_DTYPES.join(", ")}; got ${JSON.stringify(value)}`,
    { details: { argument: "dtype", value } },
  );
}

/** `onnx/<stem><suffix>.onnx` for a graph stem such as `text_model`. */
export function onnxPath(stem: string, dtype: ModelDtype): string {
  return `onnx/${stem}${DTYPE_SUFFIXES[dtype]}.onnx`;
}
