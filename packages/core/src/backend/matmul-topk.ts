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
  /**
   * Optional int8 variant (onnxruntime's `MatMulIntegerToFloat`, MLAS's uint8 × int8 GEMM: about
   * 1.9× the float32 graph on AVX-512 VNNI): for each query row, the `k` largest
   * `(queries[q] − 128) · itemsT[:, i] · itemScale[i]`. `queries` is `nq × dim` uint8 (int8 codes
   * + 128), `itemsT` the int8 item codes transposed, `dim × ni` (column i is item i), `itemScale`
   * `ni` factors. The integer dot products are exact; the float32 product with the scale rounds.
   * Rejects where the runtime lacks the op (callers fall back to their own scan).
   */
  runInt8?(
    queries: Uint8Array,
    nq: number,
    itemsT: Int8Array,
    itemScale: Float32Array,
    ni: number,
    dim: number,
    k: number,
  ): Promise<MatMulTopKOutput>;
  /** Frees the runtime sessions. */
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
const UINT8 = 2;
const INT8 = 3;
const INT64 = 7;

/** ValueInfoProto: name, TypeProto.tensor_type { elem_type, shape { dim { dim_param | dim_value } } }. */
export function valueInfo(name: string, elemType: number, dims: readonly (string | number)[]): number[] {
  const shape = dims.flatMap((d) =>
    bytesField(1, typeof d === "number" ? intField(1, d) : stringField(2, d)),
  );
  const tensorType = [...intField(1, elemType), ...bytesField(2, shape)];
  return [...stringField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

/**
 * NodeProto with integer attributes (AttributeProto: name = 1, i = 3, type = 20, INT = 2) and an
 * optional operator domain (field 7).
 */
export function node(
  op: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, number>,
  domain?: string,
): number[] {
  return [
    ...inputs.flatMap((i) => stringField(1, i)),
    ...outputs.flatMap((o) => stringField(2, o)),
    ...stringField(3, op),
    ...stringField(4, op),
    ...Object.entries(attrs).flatMap(([name, i]) =>
      bytesField(5, [...stringField(1, name), ...intField(3, i), ...intField(20, 2)]),
    ),
    ...(domain ? stringField(7, domain) : []),
  ];
}

const INT32 = 6;
/**
 * `TopK` then a `Cast` of its int64 indices to int32: the hand-over to JavaScript then reads an
 * Int32Array as is (converting 64 × 42 BigInts cost ~1.4 ms a batch, issue #18 profile).
 */
const topK = () => [
  ...bytesField(
    1,
    node("TopK", ["similarities", "k"], ["scores", "indices_64"], { axis: 1, largest: 1, sorted: 1 }),
  ),
  ...bytesField(1, node("Cast", ["indices_64"], ["indices"], { to: INT32 })),
];

/** ModelProto around a graph body, with its opset imports (OperatorSetIdProto: domain = 1, version = 2). */
function model(graph: number[], opsets: readonly [string, number][]): Uint8Array {
  return Uint8Array.from([
    ...intField(1, 8), // ir_version
    ...stringField(2, "clipkit"), // producer_name
    ...bytesField(7, graph),
    ...opsets.flatMap(([domain, version]) =>
      bytesField(8, [...stringField(1, domain), ...intField(2, version)]),
    ),
  ]);
}

/**
 * The ONNX model `scores, indices = TopK(Gemm(queries, items, transB = 1), k)`: inputs
 * `queries [nq, dim]`, `items [ni, dim]` (float32) and `k [1]` (int64); outputs `scores [nq, k]`
 * (float32) and `indices [nq, k]` (int32, cast from TopK's int64). Opset 13, all dimensions symbolic, so one session
 * serves every gallery and batch size. Written by hand (a few hundred bytes) rather than pulling
 * in a protobuf library.
 */
export function matmulTopKGraph(): Uint8Array {
  const graph = [
    ...bytesField(1, node("Gemm", ["queries", "items"], ["similarities"], { transB: 1 })),
    ...topK(),
    ...stringField(2, "clipkit_matmul_topk"),
    ...bytesField(11, valueInfo("queries", FLOAT, ["nq", "dim"])),
    ...bytesField(11, valueInfo("items", FLOAT, ["ni", "dim"])),
    ...bytesField(11, valueInfo("k", INT64, [1])),
    ...bytesField(12, valueInfo("scores", FLOAT, ["nq", "k_out"])),
    ...bytesField(12, valueInfo("indices", INT32, ["nq", "k_out"])),
  ];
  return model(graph, [["", 13]]);
}

/**
 * The int8 model `scores, indices = TopK(MatMulIntegerToFloat(queries, items_t, a_scale,
 * item_scale, a_zero_point), k)` (onnxruntime's `com.microsoft` contrib op: int32 dot products of
 * `queries − a_zero_point` with the columns of `items_t`, times `a_scale · item_scale`): inputs
 * `queries [nq, dim]` uint8, `items_t [dim, ni]` int8, `a_scale []` float32, `item_scale [ni]`
 * float32, `a_zero_point []` uint8, `k [1]` int64. onnxruntime's x86 GEMM is fast for uint8 ×
 * int8 only (int8 × int8 measured 4× slower than float32), hence the zero point of 128.
 */
export function matmulTopKInt8Graph(): Uint8Array {
  const graph = [
    ...bytesField(
      1,
      node(
        "MatMulIntegerToFloat",
        ["queries", "items_t", "a_scale", "item_scale", "a_zero_point"],
        ["similarities"],
        {},
        "com.microsoft",
      ),
    ),
    ...topK(),
    ...stringField(2, "clipkit_matmul_topk_int8"),
    ...bytesField(11, valueInfo("queries", UINT8, ["nq", "dim"])),
    ...bytesField(11, valueInfo("items_t", INT8, ["dim", "ni"])),
    ...bytesField(11, valueInfo("a_scale", FLOAT, [])),
    ...bytesField(11, valueInfo("item_scale", FLOAT, ["ni"])),
    ...bytesField(11, valueInfo("a_zero_point", UINT8, [])),
    ...bytesField(11, valueInfo("k", INT64, [1])),
    ...bytesField(12, valueInfo("scores", FLOAT, ["nq", "k_out"])),
    ...bytesField(12, valueInfo("indices", INT32, ["nq", "k_out"])),
  ];
  return model(graph, [
    ["", 13],
    ["com.microsoft", 1],
  ]);
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
  let session8: Promise<InferenceSession> | undefined;
  const open = () => {
    session ??= createSession(matmulTopKGraph(), { ...options, label: "matmul-topk (built in memory)" });
    return session;
  };
  const open8 = () => {
    session8 ??= createSession(matmulTopKInt8Graph(), {
      ...options,
      label: "matmul-topk int8 (built in memory)",
    });
    return session8;
  };
  const check = (ok: boolean, k: number, ni: number) => {
    if (!ok) {
      throw new ClipkitError(
        "INVALID_ARGUMENT",
        `matmulTopK: need 1 ≤ k ≤ ni and nq·dim / ni·dim rows (k = ${k}, ni = ${ni})`,
        { details: { argument: "k" } },
      );
    }
  };
  const output = (out: Record<string, { data: unknown }>): MatMulTopKOutput => {
    return { scores: out.scores!.data as Float32Array, indices: out.indices!.data as Int32Array };
  };
  return {
    async run(queries, nq, items, ni, dim, k) {
      check(
        Number.isInteger(k) && k >= 1 && k <= ni && queries.length === nq * dim && items.length >= ni * dim,
        k,
        ni,
      );
      const s = await open();
      return output(
        await s.run({
          queries: { type: "float32", dims: [nq, dim], data: queries },
          items: { type: "float32", dims: [ni, dim], data: items.subarray(0, ni * dim) },
          k: { type: "int64", dims: [1], data: BigInt64Array.of(BigInt(k)) },
        }),
      );
    },
    async runInt8(queries, nq, itemsT, itemScale, ni, dim, k) {
      check(
        Number.isInteger(k) &&
          k >= 1 &&
          k <= ni &&
          queries.length === nq * dim &&
          itemsT.length === ni * dim &&
          itemScale.length === ni,
        k,
        ni,
      );
      const s = await open8();
      return output(
        await s.run({
          queries: { type: "uint8", dims: [nq, dim], data: queries },
          items_t: { type: "int8", dims: [dim, ni], data: itemsT },
          a_scale: { type: "float32", dims: [], data: Float32Array.of(1) },
          item_scale: { type: "float32", dims: [ni], data: itemScale },
          a_zero_point: { type: "uint8", dims: [], data: Uint8Array.of(128) },
          k: { type: "int64", dims: [1], data: BigInt64Array.of(BigInt(k)) },
        }),
      );
    },
    async release() {
      const all = [session, session8];
      session = undefined;
      session8 = undefined;
      for (const s of all) if (s) await (await s.catch(() => undefined))?.release();
    },
  };
}
