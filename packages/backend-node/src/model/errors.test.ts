import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ClipkitErrorCode, isClipkitError, type LoadedClipModel } from "@clipkit/core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImageInput } from "../image/index.js";
import { MODELS_DIR } from "./fixtures.js";
import { loadClipModel } from "./load.js";

const TINY = `${MODELS_DIR}tiny-clip`;
const IMAGE = `${MODELS_DIR}images/shapes.png`;

function failsWith(code: ClipkitErrorCode, text?: RegExp): (e: unknown) => boolean {
  return (e) => isClipkitError(e, code) && (text === undefined || text.test((e as Error).message));
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "clipkit-model-test-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A copy of tiny-clip with `edit` applied (files removed or overwritten). */
async function variant(name: string, edit: Record<string, string | Uint8Array | null>): Promise<string> {
  const dir = join(scratch, name);
  await cp(TINY, dir, { recursive: true });
  for (const [path, content] of Object.entries(edit)) {
    if (content === null) await rm(join(dir, path), { force: true });
    else await writeFile(join(dir, path), content);
  }
  return dir;
}

describe("folders that do not fit", () => {
  it("missing config.json, tokenizer.json or graphs → MODEL_FILE_MISSING naming the file", async () => {
    await expect(loadClipModel(await variant("no-config", { "config.json": null }))).rejects.toSatisfy(
      failsWith("MODEL_FILE_MISSING", /config\.json/),
    );
    await expect(loadClipModel(await variant("no-tokenizer", { "tokenizer.json": null }))).rejects.toSatisfy(
      failsWith("MODEL_FILE_MISSING", /tokenizer\.json/),
    );
    const noGraphs = await variant("no-graphs", {
      "onnx/model.onnx": null,
      "onnx/text_model.onnx": null,
      "onnx/model_fp16.onnx": null,
      "onnx/text_model_fp16.onnx": null,
    });
    await expect(loadClipModel(noGraphs)).rejects.toSatisfy(
      failsWith("MODEL_FILE_MISSING", /text_model\.onnx.*dtype quantized/),
    );
    await expect(loadClipModel(join(scratch, "does-not-exist"))).rejects.toSatisfy(
      failsWith("MODEL_FILE_MISSING"),
    );
  });

  it("missing external data → MODEL_FILE_MISSING naming the graph and the file it records", async () => {
    const dir = await variant("no-data", { "onnx/vision_model.onnx_data": null });
    await expect(loadClipModel(dir, { calibrateScoring: false })).rejects.toSatisfy(
      failsWith("MODEL_FILE_MISSING", /vision_model\.onnx keeps weights in vision_model\.onnx_data/),
    );
  });

  it("bad config.json → MODEL_CONFIG_INVALID / MODEL_LAYOUT_UNSUPPORTED", async () => {
    await expect(loadClipModel(await variant("bad-json", { "config.json": "{ nope" }))).rejects.toSatisfy(
      failsWith("MODEL_CONFIG_INVALID", /config\.json/),
    );
    await expect(
      loadClipModel(await variant("blip", { "config.json": '{"model_type":"blip"}' })),
    ).rejects.toSatisfy(failsWith("MODEL_LAYOUT_UNSUPPORTED", /"blip"/));
  });

  it("corrupt or truncated ONNX → MODEL_LAYOUT_UNSUPPORTED naming the file", async () => {
    const dir = await variant("corrupt-graph", {
      "onnx/text_model.onnx": new Uint8Array([8, 7, 18, 3, 1, 2, 3]),
    });
    await expect(loadClipModel(dir, { calibrateScoring: false })).rejects.toSatisfy(
      failsWith("MODEL_LAYOUT_UNSUPPORTED", /text_model\.onnx/),
    );
  });

  it("wrong tensor names → MODEL_TENSOR_MISSING naming tensor and file", async () => {
    const dir = await variant("bad-names", {});
    await cp(`${MODELS_DIR}bad-names/onnx`, join(dir, "onnx"), { recursive: true, force: true });
    await expect(loadClipModel(dir, { calibrateScoring: false })).rejects.toSatisfy(
      failsWith("MODEL_TENSOR_MISSING", /text_model\.onnx: graph has no input "input_ids" \(it has ids\)/),
    );
  });

  it("towers of different widths → MODEL_CONFIG_INVALID", async () => {
    const dir = await variant("bad-dims", { "onnx/model.onnx": null });
    await cp(`${MODELS_DIR}bad-dims/onnx`, join(dir, "onnx"), { recursive: true, force: true });
    await expect(loadClipModel(dir)).rejects.toSatisfy(
      failsWith("MODEL_CONFIG_INVALID", /text 16, vision 8/),
    );
  });

  it("an unavailable execution provider → BACKEND_UNAVAILABLE", async () => {
    await expect(loadClipModel(TINY, { executionProviders: ["no-such-ep"] })).rejects.toSatisfy(
      failsWith("BACKEND_UNAVAILABLE", /no-such-ep/),
    );
  });
});

describe("embedding calls", () => {
  let model: LoadedClipModel<ImageInput>;
  beforeAll(async () => {
    model = await loadClipModel(TINY);
  });
  afterAll(async () => {
    await model.release();
  });

  it.each([
    ["zero-byte", new Uint8Array(0), "IMAGE_DECODE_FAILED"],
    ["corrupt", new TextEncoder().encode("definitely not an image"), "IMAGE_DECODE_FAILED"],
  ] as const)("%s image → %s with its index", async (_, bytes, code) => {
    await expect(model.embedImages([IMAGE, bytes])).rejects.toSatisfy(
      (e) => isClipkitError(e, code) && (e as { details: { index?: number } }).details.index === 1,
    );
  });

  it("truncated PNG → IMAGE_DECODE_FAILED", async () => {
    const png = await sharp(IMAGE).png().toBuffer();
    await expect(model.embedImages([png.subarray(0, png.length >> 1)])).rejects.toSatisfy(
      failsWith("IMAGE_DECODE_FAILED"),
    );
  });

  it("images over the pixel cap → IMAGE_TOO_LARGE", async () => {
    const capped = await loadClipModel(TINY, { maxPixels: 1000, calibrateScoring: false });
    await expect(capped.embedImages([IMAGE])).rejects.toSatisfy(failsWith("IMAGE_TOO_LARGE"));
    await capped.release();
  });

  it("a failed run does not poison the next one", async () => {
    await expect(model.embedImages([IMAGE, new Uint8Array(3)])).rejects.toSatisfy(
      failsWith("IMAGE_DECODE_FAILED"),
    );
    const good = await model.embedImages([IMAGE]);
    expect(good.count).toBe(1);
    expect(Number.isFinite(good.data[0])).toBe(true);
  });

  it("abort before or between batches → ABORTED; progress is reported per batch", async () => {
    await expect(model.embedTexts(["a"], { signal: AbortSignal.abort() })).rejects.toSatisfy(
      failsWith("ABORTED"),
    );
    const controller = new AbortController();
    const seen: number[] = [];
    const run = model.embedTexts(["a", "b", "c", "d", "e"], {
      batchSize: 2,
      signal: controller.signal,
      onProgress: (done, total) => {
        seen.push(done);
        expect(total).toBe(5);
        controller.abort();
      },
    });
    await expect(run).rejects.toSatisfy(failsWith("ABORTED"));
    expect(seen).toEqual([2]);
    const progress: number[] = [];
    await model.embedTexts(["a", "b", "c", "d", "e"], { batchSize: 2, onProgress: (d) => progress.push(d) });
    expect(progress).toEqual([2, 4, 5]);
  });

  it("rejects bad arguments and empty input gracefully", async () => {
    expect((await model.embedTexts([])).count).toBe(0);
    await expect(model.embedTexts(["a"], { batchSize: 0 })).rejects.toSatisfy(
      failsWith("INVALID_ARGUMENT", /batchSize/),
    );
    await expect(model.embedTexts([1 as unknown as string])).rejects.toSatisfy(
      failsWith("INVALID_ARGUMENT", /texts\[0\]/),
    );
  });

  it("refuses calls after release", async () => {
    const m = await loadClipModel(TINY, { calibrateScoring: false });
    await m.release();
    await expect(m.embedTexts(["a"])).rejects.toSatisfy(failsWith("INVALID_ARGUMENT", /released/));
  });
});
