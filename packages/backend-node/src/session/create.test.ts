import { readFile } from "node:fs/promises";
import { isClipkitError } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { runBackendTests } from "../../../core/src/model/backend-cases.js";
import { MODELS_DIR } from "../model/fixtures.js";
import { createSession, nodeBackend } from "./create.js";
import { fromOrtTensor, toOrtTensor } from "./tensor.js";

runBackendTests({
  createBackend: () => nodeBackend({ intraOpThreads: 1 }),
  readFixture: async (path) => new Uint8Array(await readFile(`${MODELS_DIR}${path}`)),
});

describe("nodeBackend", () => {
  it("refuses unknown execution providers with BACKEND_UNAVAILABLE", async () => {
    const model = new Uint8Array(await readFile(`${MODELS_DIR}tiny-clip/onnx/text_model.onnx`));
    await expect(
      createSession(model, { executionProviders: ["quantum"], label: "t.onnx" }),
    ).rejects.toSatisfy(
      (e) =>
        isClipkitError(e, "BACKEND_UNAVAILABLE") && /quantum.*available: .*cpu/.test((e as Error).message),
    );
  });

  it("falls back along the provider list when one cannot start, and names every reason when none can", async () => {
    const model = new Uint8Array(await readFile(`${MODELS_DIR}tiny-clip/onnx/text_model.onnx`));
    // This build has no CUDA libraries (the install script that fetches them is disabled).
    const s = await createSession(model, { executionProviders: ["cuda", "cpu"], label: "t.onnx" });
    const out = await s.run({
      input_ids: { type: "int64", dims: [1, 2], data: BigInt64Array.from([4512n, 4513n]) },
    });
    expect(out.text_embeds?.dims).toEqual([1, 32]);
    await s.release();
    await expect(
      createSession(model, { executionProviders: ["cuda", "tensorrt"], label: "t.onnx" }),
    ).rejects.toSatisfy(
      (e) => isClipkitError(e, "BACKEND_UNAVAILABLE") && /cuda: .*\ntensorrt: /s.test((e as Error).message),
    );
  });

  it("accepts cpu, thread and optimisation options", async () => {
    const model = new Uint8Array(await readFile(`${MODELS_DIR}tiny-clip/onnx/text_model.onnx`));
    const backend = nodeBackend({
      executionProviders: ["cpu"],
      intraOpThreads: 1,
      graphOptimization: "disabled",
    });
    expect(backend.name).toBe("onnxruntime-node");
    const s = await backend.createSession(model, { label: "t.onnx" });
    const out = await s.run({
      input_ids: { type: "int64", dims: [1, 2], data: BigInt64Array.from([4512n, 4513n]) },
    });
    expect(out.text_embeds?.dims).toEqual([1, 32]);
    await s.release();
    await expect(s.run({})).rejects.toSatisfy((e) => isClipkitError(e, "INFERENCE_FAILED"));
  });

  it("converts tensors without changing values (int64 as BigInt64Array)", () => {
    const ids = BigInt64Array.from([1n, -2n, 2n ** 40n]);
    const back = fromOrtTensor(toOrtTensor({ type: "int64", dims: [3], data: ids }, "x"), "x");
    expect(back).toEqual({ type: "int64", dims: [3], data: ids });
    const half = Uint16Array.from([0x3c00, 0xc000]);
    expect(fromOrtTensor(toOrtTensor({ type: "float16", dims: [2], data: half }, "h"), "h").data).toEqual(
      half,
    );
  });
});
