/**
 * A hand-encoded ONNX model shaped like a real combined CLIP export for the ranged-scan tests:
 * `count` large float initializers (the weights a scan must skip) and, after them, the scalar
 * `logit_scale` that a `Mul` applies to the cosines. Field numbers follow onnx.proto.
 */
const enc = new TextEncoder();

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

const key = (field: number, wire: number) => varint(field * 8 + wire);
const num = (field: number, n: number) => Buffer.from([...key(field, 0), ...varint(n)]);
const bytes = (field: number, payload: Uint8Array) =>
  Buffer.concat([Buffer.from([...key(field, 2), ...varint(payload.length)]), payload]);
const text = (field: number, s: string) => bytes(field, enc.encode(s));

/** TensorProto: dims, FLOAT, name, raw_data. */
function tensor(name: string, dims: number[], raw: Uint8Array): Buffer {
  return Buffer.concat([...dims.map((d) => num(1, d)), num(2, 1), text(8, name), bytes(9, raw)]);
}

function node(op: string, inputs: string[], outputs: string[]): Buffer {
  return Buffer.concat([...inputs.map((i) => text(1, i)), ...outputs.map((o) => text(2, o)), text(4, op)]);
}

/** The model's bytes: `count` initializers of `elements` floats each, then the scale `scale`. */
export function syntheticCombinedGraph(count: number, elements: number, scale: number): Buffer {
  const weight = Buffer.alloc(elements * 4, 7);
  const raw = Buffer.alloc(4);
  raw.writeFloatLE(scale);
  const graph = Buffer.concat([
    bytes(1, node("MatMul", ["image_embeds", "text_embeds_t"], ["cosines"])),
    bytes(1, node("Mul", ["cosines", "logit_scale"], ["logits_per_image"])),
    text(2, "synthetic"),
    ...Array.from({ length: count }, (_, i) => bytes(5, tensor(`w${i}`, [elements], weight))),
    bytes(5, tensor("logit_scale", [], raw)),
    bytes(11, text(1, "image_embeds")),
    bytes(11, text(1, "text_embeds_t")),
    bytes(12, text(1, "logits_per_image")),
  ]);
  return Buffer.concat([num(1, 8), bytes(8, Buffer.concat([text(1, ""), num(2, 17)])), bytes(7, graph)]);
}
