import { ClipkitError } from "../errors.js";
import type { Tensor, TensorDataMap, TensorType } from "./session.js";

/** Number of elements implied by `dims`. */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Creates a tensor after checking that `data` has exactly as many elements as `dims` says. */
export function tensor<T extends TensorType>(
  type: T,
  data: TensorDataMap[T],
  dims: readonly number[],
): Tensor<T> {
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ClipkitError(
        "SHAPE_MISMATCH",
        `tensor dims must be non-negative integers, got [${dims.join(", ")}]`,
      );
    }
  }
  const n = elementCount(dims);
  if (data.length !== n) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `tensor of dims [${dims.join(", ")}] needs ${n} elements, got ${data.length}`,
      { details: { dims, length: data.length } },
    );
  }
  return { type, dims: [...dims], data };
}

/** Checks a session output's type and rank, naming the tensor at fault. */
export function expectTensor<T extends TensorType>(
  outputs: Readonly<Record<string, Tensor>>,
  name: string,
  type: T,
  rank?: number,
  context = "model",
): Tensor<T> {
  const t = outputs[name];
  if (!t) {
    throw new ClipkitError("MODEL_TENSOR_MISSING", `${context}: output tensor "${name}" was not produced`, {
      details: { tensor: name, available: Object.keys(outputs) },
    });
  }
  if (t.type !== type) {
    throw new ClipkitError("DTYPE_MISMATCH", `${context}: tensor "${name}" is ${t.type}, expected ${type}`, {
      details: { tensor: name, expected: type, actual: t.type },
    });
  }
  if (rank !== undefined && t.dims.length !== rank) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `${context}: tensor "${name}" has rank ${t.dims.length} (dims [${t.dims.join(", ")}]), expected ${rank}`,
      { details: { tensor: name, dims: t.dims } },
    );
  }
  return t as Tensor<T>;
}

/** IEEE half-precision bits → float32 values. */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    if (e === 0) out[i] = s * 2 ** -14 * (f / 1024);
    else if (e === 31) out[i] = f ? Number.NaN : s * Number.POSITIVE_INFINITY;
    else out[i] = s * 2 ** (e - 15) * (1 + f / 1024);
  }
  return out;
}

/** Reads any floating tensor as float32 (fp16 outputs of `_fp16` exports are widened). */
export function toFloat32(t: Tensor): Float32Array {
  if (t.type === "float32") return t.data as Float32Array;
  if (t.type === "float16") return float16ToFloat32(t.data as Uint16Array);
  throw new ClipkitError("DTYPE_MISMATCH", `expected a floating tensor, got ${t.type}`, {
    details: { dims: t.dims },
  });
}
