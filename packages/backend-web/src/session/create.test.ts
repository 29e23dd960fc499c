import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isClipkitError, tensor } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { runBackendTests } from "../../../core/src/model/backend-cases.js";
import { webBackend } from "./create.js";

// The contract every backend passes, on onnxruntime-web's wasm build running in Node.
runBackendTests({
  createBackend: () => webBackend({ numThreads: 1 }),
  readFixture: async (path) =>
    new Uint8Array(await readFile(new URL(`../../../../fixtures/models/${path}`, import.meta.url))),
});

// onnxruntime-web runs its wasm build in Node too, so the session adapter is tested here quickly;
// browser.test.ts proves the same in Chromium (wasm and WebGPU).
const model = new Uint8Array(readFileSync(new URL("../testing/affine.onnx", import.meta.url)));
const golden = JSON.parse(
  readFileSync(new URL("../testing/affine.golden.json", import.meta.url), "utf8"),
) as Record<string, { dims: number[]; data: number[] }>;

function feeds() {
  const x = golden.x!;
  const ids = golden.ids!;
  return {
    x: tensor("float32", Float32Array.from(x.data), x.dims),
    ids: tensor("int64", BigInt64Array.from(ids.data.map(BigInt)), ids.dims),
  };
}

describe("webBackend (onnxruntime-web wasm, in Node)", () => {
  it("runs a graph with float32 and int64 inputs and matches numpy", async () => {
    const session = await webBackend({ numThreads: 1 }).createSession(model, { label: "affine.onnx" });
    expect(session.executionProvider).toBe("wasm");
    expect(session.inputs.map((i) => i.name)).toEqual(["x", "ids"]);
    expect(session.inputs[0]?.dims).toEqual(["batch", 4]);
    const out = await session.run(feeds());
    expect(out.y?.type).toBe("float32");
    expect(out.y?.dims).toEqual(golden.y!.dims);
    expect(out.g?.dims).toEqual(golden.g!.dims);
    const y = out.y!.data as Float32Array;
    for (const [i, v] of golden.y!.data.entries()) expect(Math.abs(y[i]! - v)).toBeLessThan(1e-6);
    const g = out.g!.data as Float32Array;
    for (const [i, v] of golden.g!.data.entries()) expect(g[i]).toBe(Math.fround(v));
    await session.release();
  });

  it("computes only the requested outputs", async () => {
    const session = await webBackend().createSession(model);
    const out = await session.run(feeds(), ["g"]);
    expect(Object.keys(out)).toEqual(["g"]);
    await session.release();
  });

  it("wraps a bad feed as INFERENCE_FAILED and stays usable", async () => {
    const session = await webBackend().createSession(model, { label: "affine.onnx" });
    const bad = { ...feeds(), x: tensor("float32", new Float32Array(6), [2, 3]) };
    const error = await session.run(bad).catch((e: unknown) => e);
    expect(isClipkitError(error, "INFERENCE_FAILED")).toBe(true);
    expect(String((error as Error).message)).toContain("affine.onnx");
    const out = await session.run(feeds());
    expect(out.y?.dims).toEqual([2, 3]);
    await session.release();
    await expect(session.run(feeds())).rejects.toMatchObject({ code: "INFERENCE_FAILED" });
  });

  it("reports WebGPU as unavailable without an adapter, and falls back when asked to", async () => {
    const noGpu = webBackend({ executionProviders: ["webgpu"], gpu: null });
    await expect(noGpu.createSession(model, { label: "affine.onnx" })).rejects.toMatchObject({
      code: "BACKEND_UNAVAILABLE",
    });
    const noAdapter = webBackend({
      executionProviders: ["webgpu"],
      gpu: { requestAdapter: async () => null },
    });
    const error = await noAdapter.createSession(model).catch((e: unknown) => e);
    expect(isClipkitError(error, "BACKEND_UNAVAILABLE")).toBe(true);
    expect((error as Error).message).toContain("no WebGPU adapter");
    const fallback = webBackend({ executionProviders: ["webgpu", "wasm"], gpu: null });
    const session = await fallback.createSession(model);
    expect(session.executionProvider).toBe("wasm");
    await session.release();
  });

  it("names the file when the model bytes are not ONNX", async () => {
    const error = await webBackend()
      .createSession(new Uint8Array([1, 2, 3, 4]), { label: "onnx/broken.onnx" })
      .catch((e: unknown) => e);
    expect(isClipkitError(error, "MODEL_LAYOUT_UNSUPPORTED")).toBe(true);
    expect((error as Error).message).toContain("onnx/broken.onnx");
  });

  it("rejects bad options up front", () => {
    expect(() => webBackend({ executionProviders: [] })).toThrow(/at least one/);
    expect(() => webBackend({ numThreads: -1 })).toThrow(/numThreads/);
  });
});
