import { readFileSync } from "node:fs";
import { externalDataLocations, isClipkitError, readGraph } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { nodeFiles } from "../files/index.js";
import { createSession } from "../session/index.js";
import { MODELS_DIR } from "./fixtures.js";

// Built by tools/fixtures/external-data/make.py with the real `onnx`; outputs from onnxruntime (Python).
const dir = `${MODELS_DIR}external-data`;
const ref = JSON.parse(readFileSync(`${dir}/ok/reference.json`, "utf8")) as {
  x: number[];
  y: number[];
  z_then: number[];
  z_else: number[];
  locations: string[];
};

const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => "resolved",
    (e) => (isClipkitError(e) ? e.code : String(e)),
  );

describe("external data found where the graph records it", () => {
  it("lists every recorded location, If-branch subgraphs included", () => {
    const bytes = readFileSync(`${dir}/ok/onnx/graph.onnx`);
    expect(externalDataLocations(bytes).sort()).toEqual([...ref.locations].sort());
  });

  it("loads a graph whose weights live in weights/w1.bin, graph.onnx.data and sub/w3.bin", async () => {
    const graph = await readGraph(nodeFiles(`${dir}/ok`), "onnx/graph.onnx");
    expect(graph.externalData.map((e) => e.path).sort()).toEqual([...ref.locations].sort());
    const session = await createSession(graph.model, {
      externalData: graph.externalData,
      label: "graph.onnx",
    });
    try {
      const x = { type: "float32", dims: [2, 4], data: Float32Array.from(ref.x) } as const;
      for (const [flag, want] of [
        [1, ref.z_then],
        [0, ref.z_else],
      ] as const) {
        const out = await session.run({ x, use_w3: { type: "bool", dims: [], data: Uint8Array.of(flag) } });
        expect([...(out.y!.data as Float32Array)]).toEqual(ref.y.map((v) => expect.closeTo(v, 5)));
        expect([...(out.z!.data as Float32Array)]).toEqual(want.map((v) => expect.closeTo(v, 5)));
      }
    } finally {
      await session.release();
    }
  });

  it("names the graph and the missing file when an external-data file is absent", async () => {
    const files = nodeFiles(`${dir}/ok`);
    const missing = { ...files, exists: async (p: string) => p !== "onnx/sub/w3.bin" && files.exists(p) };
    await expect(readGraph(missing, "onnx/graph.onnx")).rejects.toSatisfy(
      (e) =>
        isClipkitError(e, "MODEL_FILE_MISSING") &&
        /graph\.onnx/.test(e.message) &&
        /sub\/w3\.bin/.test(e.message),
    );
  });

  it.each(["escape", "absolute"])("refuses a location outside the model folder (%s)", async (name) => {
    expect(await codeOf(readGraph(nodeFiles(`${dir}/${name}`), "onnx/graph.onnx"))).toBe(
      "MODEL_LAYOUT_UNSUPPORTED",
    );
    // The session layer re-checks, so a hand-built externalData list cannot write outside its folder.
    const bytes = readFileSync(`${dir}/${name}/onnx/graph.onnx`);
    const path = name === "escape" ? "../secret.bin" : "/etc/clipkit.bin";
    expect(await codeOf(createSession(bytes, { externalData: [{ path, data: new Uint8Array(12) }] }))).toBe(
      "MODEL_LAYOUT_UNSUPPORTED",
    );
  });

  it("rejects bytes that are not an ONNX graph with a typed error", () => {
    expect(() => externalDataLocations(Uint8Array.of(0x0a, 0xff, 0xff, 0xff), "junk.onnx")).toThrow(
      /junk\.onnx: not a readable ONNX graph/,
    );
  });
});
