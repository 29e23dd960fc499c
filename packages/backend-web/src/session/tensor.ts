import { ClipkitError, type Tensor, type TensorDataMap, type TensorType } from "@clipkit/core";
import type * as ort from "onnxruntime-web";

/** The slice of onnxruntime-web's module that converting tensors needs (injectable for tests). */
export interface OrtTensorModule {
  readonly Tensor: typeof ort.Tensor;
}

const SUPPORTED: ReadonlySet<string> = new Set<TensorType>([
  "float32",
  "float16",
  "int64",
  "int32",
  "int8",
  "uint8",
  "bool",
]);

/** Core tensor → onnxruntime-web tensor. Shares the buffer; nothing is copied. */
export function toOrtTensor(runtime: OrtTensorModule, name: string, t: Tensor): ort.Tensor {
  try {
    // `float16` travels as raw bits; onnxruntime-web accepts Uint16Array for it.
    return new runtime.Tensor(t.type, t.data as never, t.dims as number[]);
  } catch (error) {
    throw new ClipkitError("SHAPE_MISMATCH", `input tensor "${name}" was rejected by onnxruntime-web`, {
      cause: error,
      details: { tensor: name, type: t.type, dims: t.dims },
    });
  }
}

/**
 * onnxruntime-web tensor → core tensor. Outputs are copied into fresh arrays because the runtime
 * may reuse or free its buffers (and WebGPU outputs live on the GPU until downloaded).
 */
export async function fromOrtTensor(name: string, value: ort.Tensor): Promise<Tensor> {
  const type = value.type;
  if (!SUPPORTED.has(type)) {
    throw new ClipkitError("DTYPE_MISMATCH", `output tensor "${name}" has unsupported type ${type}`, {
      details: { tensor: name, type },
    });
  }
  const raw = value.location === "cpu" ? value.data : await value.getData(false);
  const dims = [...value.dims];
  return { type: type as TensorType, dims, data: copyAs(type as TensorType, raw) };
}

function copyAs<T extends TensorType>(type: T, raw: unknown): TensorDataMap[T] {
  const view = raw as ArrayBufferView & { length: number };
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
  switch (type) {
    case "float32":
      return new Float32Array(bytes.buffer) as TensorDataMap[T];
    // Float16Array (where the browser has it) is re-read as raw bits, core's float16 encoding.
    case "float16":
      return new Uint16Array(bytes.buffer) as TensorDataMap[T];
    case "int64":
      return new BigInt64Array(bytes.buffer) as TensorDataMap[T];
    case "int32":
      return new Int32Array(bytes.buffer) as TensorDataMap[T];
    case "int8":
      return new Int8Array(bytes.buffer) as TensorDataMap[T];
    default:
      return bytes as TensorDataMap[T];
  }
}
