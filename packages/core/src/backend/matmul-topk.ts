import { ClipkitError } from "../errors.js";
import type { Backend, InferenceSession, SessionOptions } from "./session.js";

/** Output of {@link MatMulTopK.run}: `nq × k` scores and row indices, best first per query. */
export interface MatMulTopKOutput {
  scores: Float32Array;
  indices: Int32Array;
}

/**
 * The optional "matmul top-k" capability of a {@link Backend}: for each query row, the `k` largest
 * dot products with the item rows, computed by the runtime's own GEMM (MLAS in onnxruntime-node,
 * the wasm kernels in onnxruntime-web). Scores carry the GEMM's float32 rounding; callers that
 * need exact results re-score a shortlist (see `FlatIndex`).
 */
export interface MatMulTopK {
  /**
   * `queries` is `nq × dim`, `items` `ni × dim`, both row-major float32; `1 ≤ k ≤ ni`. Ties keep
   * the lower index (ONNX TopK semantics).
   */
  run(
    queries: Float32Array,
    nq: number,
    items: Float32Array,
    ni: number,
    dim: number,
    k: number,
  ): Promise<MatMulTopKOutput>;
  /** Frees the runtime session. */
  release(): Promise<void>;
}

// ---- a minimal protobuf writer for the ONNX graph below (onnx.proto3 field numbers) ----

export function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
const utf8 = (s: string) => [...new TextEncoder().encode(s)];
/** A length-delimited field (wire type 2). */
export const bytesField = (field: number, body: number[]) => [
  ...varint((field << 3) | 2),
  ...varint(body.length),
  ...body,
];
export const stringField = (field: number, s: string) => bytesField(field, utf8(s));
/** A varint field (wire type 0). */
export const intField = (field: number, n: number) => [...varint(field << 3), ...varint(n)];

export const FLOAT = 1;
const INT64 = 7;

/** ValueInfoProto: name, TypeProto.tensor_type { elem_type, shape { dim { dim_param | dim_value } } }. */
export function valueInfo(name: string, elemType: number, dims: readonly (string | number)[]): number[] {
  const shape = dims.flatMap((d) =>
    bytesField(1, typeof d === "number" ? intField(1, d) : stringField(2, d)),
  );
  const tensorType = [...intField(1, elemType), ...bytesField(2, shape)];
  return [...stringField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

/** NodeProto with integer attributes (AttributeProto: name = 1, i = 3, type = 20, INT = 2). */
export function node(
  op: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, number>,
): number[] {
  return [
    ...inputs.flatMap((i) => stringField(1, i)),
    ...outputs.flatMap((o) => stringField(2, o)),
    ...stringField(3, op),
    ...stringField(4, op),
    ...Object.entries(attrs).flatMap(([name, i]) =>
      bytesField(5, [...stringField(1, name), ...intField(3, i), ...intField(20, 2)]),
    ),
  ];
}

/**
 * The ONNX model `scores, indices = TopK(Gemm(queries, items, transB = 1), k)`: inputs
 * `queries [nq, dim]`, `items [ni, dim]` (float32) and `k [1]` (int64); outputs `scores [nq, k]`
 * (float32) and `indices [nq, k]` (int64). Opset 13, all dimensions symbolic, so one session
 * serves every gallery and batch size. Written by hand (a few hundred bytes) rather than pulling
 * in a protobuf library.
 */
export function matmulTopKGraph(): Uint8Array {
  const graph = [
    ...bytesField(1, node("Gemm", ["queries", "items"], ["similarities"], { transB: 1 })),
    ...bytesField(
      1,
      node("TopK", ["similarities", "k"], ["scores", "indices"], { axis: 1, largest: 1, sorted: 1 }),
    ),
    ...stringField(2, "clipkit_matmul_topk"),
    ...bytesField(11, valueInfo("queries", FLOAT, ["nq", "dim"])),
    ...bytesField(11, valueInfo("items", FLOAT, ["ni", "dim"])),
    ...bytesField(11, valueInfo("k", INT64, [1])),
    ...bytesField(12, valueInfo("scores", FLOAT, ["nq", "k_out"])),
    ...bytesField(12, valueInfo("indices", INT64, ["nq", "k_out"])),
  ];
  const model = [
    ...intField(1, 8), // ir_version
    ...stringField(2, "clipkit"), // producer_name
    ...bytesField(7, graph),
    ...bytesField(8, [...stringField(1, ""), ...intField(2, 13)]), // opset_import
  ];
  return Uint8Array.from(model);
}

/**
 * A {@link MatMulTopK} on any backend's `createSession`: the graph of {@link matmulTopKGraph},
 * opened on first use. Backends expose it as `backend.matmulTopK()`; `options` go to the session
 * (e.g. `intraOpThreads`).
 */
export function sessionMatMulTopK(
  createSession: Backend["createSession"],
  options: SessionOptions = {},
): MatMulTopK {
  let session: Promise<InferenceSession> | undefined;
  const open = () => {
    session ??= createSession(matmulTopKGraph(), { ...options, label: "matmul-topk (built in memory)" });
    return session;
  };
  return {
    async run(queries, nq, items, ni, dim, k) {
      if (
        !(Number.isInteger(k) && k >= 1 && k <= ni) ||
        queries.length !== nq * dim ||
        items.length < ni * dim
      ) {
        throw new ClipkitError(
          "INVALID_ARGUMENT",
          `matmulTopK: need 1 ≤ k ≤ ni and nq·dim / ni·dim rows (k = ${k}, ni = ${ni})`,
          {
            details: { argument: "k" },
          },
        );
      }
      const s = await open();
      const out = await s.run({
        queries: { type: "float32", dims: [nq, dim], data: queries },
        items: { type: "float32", dims: [ni, dim], data: items.subarray(0, ni * dim) },
        k: { type: "int64", dims: [1], data: BigInt64Array.of(BigInt(k)) },
      });
      const scores = out.scores!.data as Float32Array;
      const raw = out.indices!.data as BigInt64Array;
      const indices = new Int32Array(raw.length);
      for (let i = 0; i < raw.length; i++) indices[i] = Number(raw[i]!);
      return { scores, indices };
    },
    async release() {
      const s = session;
      session = undefined;
      if (s) await (await s).release();
    },
  };
}
