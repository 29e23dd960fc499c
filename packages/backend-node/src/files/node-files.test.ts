import { isClipkitError } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { MODELS_DIR } from "../model/fixtures.js";
import { nodeFiles } from "./node-files.js";

describe("nodeFiles", () => {
  const files = nodeFiles(`${MODELS_DIR}tiny-clip`);

  it("reads files relative to the folder", async () => {
    expect(await files.exists("config.json")).toBe(true);
    expect(await files.exists("onnx/nope.onnx")).toBe(false);
    expect(JSON.parse(await files.readText("config.json")).model_type).toBe("clip");
    expect((await files.read("onnx/vision_model.onnx_data")).byteLength).toBeGreaterThan(1000);
  });

  it("names missing files with MODEL_FILE_MISSING", async () => {
    await expect(files.read("onnx/nope.onnx")).rejects.toSatisfy(
      (e) => isClipkitError(e, "MODEL_FILE_MISSING") && (e as Error).message.includes("onnx/nope.onnx"),
    );
  });

  it("refuses paths that leave the folder", async () => {
    await expect(files.read("../tiny-siglip/config.json")).rejects.toSatisfy((e) =>
      isClipkitError(e, "INVALID_ARGUMENT"),
    );
    expect(await files.exists("../tiny-siglip/config.json")).toBe(false);
  });
});
