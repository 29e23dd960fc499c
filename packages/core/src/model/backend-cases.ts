/**
 * The shared backend test suite (hono's `runTest`, drizzle's `tests()` pattern): every
 * {@link Backend} runs the same cases against the committed tiny CLIP graphs. Test-only: not
 * exported from the package index. Call it from a `*.test.ts` file:
 *
 * ```ts
 * runBackendTests({ createBackend: () => nodeBackend(), readFixture: (p) => readFile(`fixtures/models/${p}`) });
 * ```
 */
import { describe, expect, it } from "vitest";
import type { Backend, Tensor } from "../backend/session.js";
import { float16ToFloat32 } from "../backend/tensor.js";
import { isClipkitError } from "../errors.js";
import { float32ToFloat16 } from "./fp16.js";

export interface BackendTestOptions {
  /** Fresh backend per case. */
  createBackend: () => Backend | Promise<Backend>;
  /** Reads a file under `fixtures/models/` (e.g. `"tiny-clip/onnx/text_model.onnx"`). */
  readFixture: (path: string) => Promise<Uint8Array>;
  /** Cases this backend cannot run, with the reason (shown as skipped). */
  skip?: ReadonlyArray<{ reason: string; tests: readonly string[] }>;
}

const IDS: Tensor = {
  type: "int64",
  dims: [2, 3],
  data: BigInt64Array.from([4512n, 320n, 4513n, 4512n, 4513n, 4513n]),
};

export function runBackendTests(options: BackendTestOptions): void {
  const skipped = new Set(options.skip?.flatMap((s) => s.tests) ?? []);
  const test = (name: string, fn: () => Promise<void>): void =>
    (skipped.has(name) ? it.skip : it)(name, fn, 60_000);
  const open = async (path: string) =>
    (await options.createBackend()).createSession(await options.readFixture(path), { label: path });

  describe("backend contract", () => {
    test("reports graph inputs and outputs with types and dims", async () => {
      const s = await open("tiny-clip/onnx/text_model.onnx");
      expect(s.inputs.map((i) => i.name)).toEqual(["input_ids"]);
      expect(s.inputs[0]?.type).toBe("int64");
      expect(s.outputs.map((o) => o.name)).toContain("text_embeds");
      const out = s.outputs.find((o) => o.name === "text_embeds");
      expect(out?.dims?.[1]).toBe(32);
      await s.release();
    });

    test("runs int64 inputs and returns float32 outputs, only those asked for", async () => {
      const s = await open("tiny-clip/onnx/text_model.onnx");
      const out = await s.run({ input_ids: IDS }, ["text_embeds"]);
      expect(Object.keys(out)).toEqual(["text_embeds"]);
      expect(out.text_embeds?.type).toBe("float32");
      expect(out.text_embeds?.dims).toEqual([2, 32]);
      expect(Array.from(out.text_embeds!.data as Float32Array).every(Number.isFinite)).toBe(true);
      await s.release();
    });

    test("passes float16 tensors both ways", async () => {
      // transformers.js v3 `_fp16` exports keep float32 I/O; v2-era ones (fp16-io) took float16.
      const s = await open("fp16-io/vision_model_fp16.onnx");
      expect(s.inputs[0]?.type).toBe("float16");
      const px = float32ToFloat16(new Float32Array(3 * 32 * 32).fill(0.25));
      const out = await s.run({ pixel_values: { type: "float16", dims: [1, 3, 32, 32], data: px } }, [
        "image_embeds",
      ]);
      expect(out.image_embeds?.type).toBe("float16");
      const values = float16ToFloat32(out.image_embeds!.data as Uint16Array);
      expect(values.length).toBe(32);
      expect(values.every(Number.isFinite)).toBe(true);
    });

    test("wraps a failed run in INFERENCE_FAILED naming the file and stays usable", async () => {
      const s = await open("tiny-clip/onnx/text_model.onnx");
      const bad: Tensor = { type: "float32", dims: [1, 2], data: new Float32Array(2) };
      await expect(s.run({ input_ids: bad })).rejects.toSatisfy(
        (e) => isClipkitError(e, "INFERENCE_FAILED") && (e as Error).message.includes("text_model.onnx"),
      );
      const out = await s.run({ input_ids: IDS });
      expect(out.text_embeds?.dims).toEqual([2, 32]);
      await s.release();
    });

    test("loads external data passed as bytes", async () => {
      const backend = await options.createBackend();
      const s = await backend.createSession(await options.readFixture("tiny-clip/onnx/vision_model.onnx"), {
        label: "tiny-clip/onnx/vision_model.onnx",
        externalData: [
          {
            path: "vision_model.onnx_data",
            data: await options.readFixture("tiny-clip/onnx/vision_model.onnx_data"),
          },
        ],
      });
      const out = await s.run({
        pixel_values: { type: "float32", dims: [1, 3, 32, 32], data: new Float32Array(3072) },
      });
      expect(out.image_embeds?.dims).toEqual([1, 32]);
      await s.release();
    });

    test("rejects bytes that are not ONNX, naming the label", async () => {
      const backend = await options.createBackend();
      await expect(
        backend.createSession(new Uint8Array([1, 2, 3, 4]), { label: "junk.onnx" }),
      ).rejects.toSatisfy((e) => isClipkitError(e) && (e as Error).message.includes("junk.onnx"));
    });
  });
}
