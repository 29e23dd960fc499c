import { ClipkitError } from "../errors.js";
import { bytesField, FLOAT, intField, node, stringField, valueInfo } from "./matmul-topk.js";
import type { Backend, InferenceSession, SessionOptions } from "./session.js";

/**
 * The optional "matmul" capability of a {@link Backend}: the dense product `A · Bᵀ` on the
 * runtime's own GEMM (MLAS in onnxruntime-node, the wasm kernels or WebGPU in onnxruntime-web).
 * The few-shot trainers await it through `trainHeadAsync`; results carry the runtime's float32
 * rounding (summation order differs from clipkit's WebAssembly kernel).
 */
export interface MatMul {
  /**
   * `m × n` row-major float32 product `C[i, j] = Σₜ A[i, t] · B[j, t]` of the row-major `m × k`
   * matrix `a` and the row-major `n × k` matrix `b` (only the first `m·k` / `n·k` values are read).
   *
   * With `out` (at least `m·n` floats) the product is written into `out[0 … m·n)` and `out`
   * itself is returned: onnxruntime-node's GEMM writes there directly (a pre-allocated output, no
   * runtime-owned result to copy), other runtimes' results are copied in. Without it a new array
   * of `m·n` floats is returned.
   *
   * @throws ClipkitError `INVALID_ARGUMENT` for non-integer or negative sizes, or buffers shorter
   * than the sizes say; `INFERENCE_FAILED` when the runtime fails.
   */
  abt(
    a: Float32Array,
    b: Float32Array,
    m: number,
    n: number,
    k: number,
    out?: Float32Array,
  ): Promise<Float32Array>;
  /** Frees the runtime session (a later {@link abt} opens a new one). */
  release(): Promise<void>;
}

/**
 * The ONNX model `c = Gemm(a, b, transB = 1)`: inputs `a [m, k]` and `b [n, k]`, output
 * `c [m, n]`, all float32. Opset 13, every dimension symbolic, so one session serves every shape.
 * Written with the same few-hundred-byte protobuf writer as `matmulTopKGraph`.
 */
export function matmulGraph(): Uint8Array {
  const graph = [
    ...bytesField(1, node("Gemm", ["a", "b"], ["c"], { transB: 1 })),
    ...stringField(2, "clipkit_matmul"),
    ...bytesField(11, valueInfo("a", FLOAT, ["m", "k"])),
    ...bytesField(11, valueInfo("b", FLOAT, ["n", "k"])),
    ...bytesField(12, valueInfo("c", FLOAT, ["m", "n"])),
  ];
  const model = [
    ...intField(1, 8), // ir_version
    ...stringField(2, "clipkit"), // producer_name
    ...bytesField(7, graph),
    ...bytesField(8, [...stringField(1, ""), ...intField(2, 13)]), // opset_import
  ];
  return Uint8Array.from(model);
}

function checkSizes(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  out: Float32Array | undefined,
): void {
  for (const [name, v] of [
    ["m", m],
    ["n", n],
    ["k", k],
  ] as const) {
    if (!(Number.isSafeInteger(v) && v >= 0)) {
      throw new ClipkitError("INVALID_ARGUMENT", `matmul: ${name} must be a non-negative integer, got ${v}`, {
        details: { argument: name },
      });
    }
  }
  for (const [name, buffer, rows, cols] of [
    ["a", a, m, k],
    ["b", b, n, k],
    ["out", out, m, n],
  ] as const) {
    if (buffer && buffer.length < rows * cols) {
      throw new ClipkitError(
        "INVALID_ARGUMENT",
        `matmul: ${name} holds ${buffer.length} floats, fewer than ${rows} × ${cols}`,
        { details: { argument: name, expected: rows * cols, actual: buffer.length } },
      );
    }
  }
}

/**
 * A {@link MatMul} on any backend's `createSession`: the graph of {@link matmulGraph}, opened on
 * first use and kept for every later product. Backends expose it as `backend.matmul()`; `options`
 * go to the session (e.g. `intraOpThreads`). Empty products (`m`, `n` or `k` zero) never reach
 * the runtime.
 */
export function sessionMatMul(createSession: Backend["createSession"], options: SessionOptions = {}): MatMul {
  let session: Promise<InferenceSession> | undefined;
  const open = () => {
    session ??= createSession(matmulGraph(), { ...options, label: "matmul (built in memory)" });
    return session;
  };
  return {
    async abt(a, b, m, n, k, out) {
      checkSizes(a, b, m, n, k, out);
      if (m === 0 || n === 0 || k === 0) return out ? out.fill(0, 0, m * n) : new Float32Array(m * n);
      const s = await open();
      const feeds = {
        a: { type: "float32", dims: [m, k], data: a.length === m * k ? a : a.subarray(0, m * k) },
        b: { type: "float32", dims: [n, k], data: b.length === n * k ? b : b.subarray(0, n * k) },
      } as const;
      if (!out) return (await s.run(feeds)).c!.data as Float32Array;
      const view = out.length === m * n ? out : out.subarray(0, m * n);
      const c = (await s.run(feeds, ["c"], { c: { type: "float32", dims: [m, n], data: view } })).c!;
      // The runtime wrote into `view` when it returns it; otherwise its result is copied in.
      if (c.data !== view) view.set(c.data as Float32Array);
      return out;
    },
    async release() {
      const s = session;
      session = undefined;
      if (s) await (await s).release();
    },
  };
}
