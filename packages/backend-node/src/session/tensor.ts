import { ClipkitError, type Tensor, type TensorType } from "@clipkit/core";
import * as ort from "onnxruntime-node";

const TO_ORT: Readonly<Record<TensorType, ort.Tensor.Type>> = {
  float32: "float32",
  float16: "float16",
  int64: "int64",
  int32: "int32",
  int8: "int8",
  uint8: "uint8",
  bool: "bool",
};

/** core → ort. No copy: ort wraps the same typed array. */
export function toOrtTensor(t: Tensor, name: string): ort.Tensor {
  const type = TO_ORT[t.type];
  if (!type) {
    throw new ClipkitError("DTYPE_MISMATCH", `input "${name}": tensor type ${t.type} is not supported`, {
      details: { tensor: name, type: t.type },
    });
  }
  return new ort.Tensor(type, t.data as never, [...t.dims]);
}

/** ort → core, naming the output when its element type has no core equivalent. */
export function fromOrtTensor(t: ort.Tensor, name: string): Tensor {
  const dims = [...t.dims];
  switch (t.type) {
    case "float32":
      return { type: "float32", dims, data: t.data as Float32Array };
    case "float16": {
      // ort may hand back a Float16Array where the runtime has one; core carries raw bits.
      const d = t.data as unknown as { buffer: ArrayBuffer; byteOffset: number; length: number };
      return { type: "float16", dims, data: new Uint16Array(d.buffer, d.byteOffset, d.length) };
    }
    case "int64":
      return { type: "int64", dims, data: t.data as BigInt64Array };
    case "int32":
      return { type: "int32", dims, data: t.data as Int32Array };
    case "int8":
      return { type: "int8", dims, data: t.data as Int8Array };
    case "uint8":
      return { type: "uint8", dims, data: t.data as Uint8Array };
    case "bool":
      return { type: "bool", dims, data: t.data as Uint8Array };
    default:
      throw new ClipkitError(
        "DTYPE_MISMATCH",
        `output "${name}" has type ${t.type}, which clipkit does not read`,
        {
          details: { tensor: name, type: t.type },
        },
      );
  }
}
