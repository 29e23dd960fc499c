import { describe, expect, it } from "vitest";
import type { InferenceSession, Tensor, ValueInfo } from "../backend/session.js";
import { isClipkitError } from "../errors.js";
import { declaredImageSize, textTower, visionTower } from "./towers.js";

/** Records its feeds and answers `[N, width]` rows for whatever output is asked. */
function recorder(inputs: ValueInfo[], outputs: ValueInfo[], width = 4, rows?: number) {
  const feeds: Array<Readonly<Record<string, Tensor>>> = [];
  const session: InferenceSession = {
    inputs,
    outputs,
    async run(f, names) {
      feeds.push(f);
      const first = Object.values(f)[0]!;
      const n = rows ?? first.dims[0]!;
      return Object.fromEntries(
        (names ?? outputs.map((o) => o.name)).map((name) => [
          name,
          { type: "float32", dims: [n, width], data: new Float32Array(n * width).fill(0.5) } as Tensor,
        ]),
      );
    },
    async release() {},
  };
  return { session, feeds };
}

const tokens = {
  ids: BigInt64Array.from([7n, 8n, 9n, 1n]),
  mask: BigInt64Array.from([1n, 1n, 1n, 0n]),
  count: 2,
  length: 2,
};

describe("textTower", () => {
  it("feeds int32 ids and the mask when the graph declares them (CLIP)", async () => {
    const { session, feeds } = recorder(
      [
        { name: "input_ids", type: "int32" },
        { name: "attention_mask", type: "int64" },
      ],
      [{ name: "text_embeds", dims: ["batch", 4] }],
    );
    const tower = textTower(session, "t.onnx", "clip");
    expect(tower.declaredDim).toBe(4);
    const out = await tower.run(tokens);
    expect(out).toMatchObject({ count: 2, dim: 4 });
    expect(feeds[0]!.input_ids).toEqual({ type: "int32", dims: [2, 2], data: Int32Array.from([7, 8, 9, 1]) });
    expect(Array.from(feeds[0]!.attention_mask!.data as BigInt64Array)).toEqual([1n, 1n, 1n, 0n]);
  });

  it("feeds an all-ones mask to SigLIP, which HF runs unmasked, and accepts pooler_output", async () => {
    const { session, feeds } = recorder(
      [
        { name: "input_ids", type: "int64" },
        { name: "attention_mask", type: "int64" },
      ],
      [{ name: "last_hidden_state" }, { name: "pooler_output" }],
    );
    const tower = textTower(session, "t.onnx", "siglip");
    expect(tower.output).toBe("pooler_output");
    await tower.run(tokens);
    expect(Array.from(feeds[0]!.attention_mask!.data as BigInt64Array)).toEqual([1n, 1n, 1n, 1n]);
  });

  it("does not take CLIP's pre-projection pooler_output for an embedding", () => {
    const { session } = recorder([{ name: "input_ids" }], [{ name: "pooler_output" }]);
    expect(() => textTower(session, "t.onnx", "clip")).toThrow(/no output "text_embeds"/);
  });

  it("refuses inputs it cannot feed", () => {
    const { session } = recorder(
      [{ name: "input_ids" }, { name: "token_type_ids" }],
      [{ name: "text_embeds" }],
    );
    try {
      textTower(session, "t.onnx", "clip");
      expect.unreachable();
    } catch (e) {
      expect(isClipkitError(e, "MODEL_LAYOUT_UNSUPPORTED")).toBe(true);
      expect((e as Error).message).toContain("token_type_ids");
    }
  });

  it("feeds a zero image to a combined graph and checks the output batch", async () => {
    const { session, feeds } = recorder(
      [{ name: "input_ids" }, { name: "pixel_values", type: "float16", dims: ["n", 3, 8, 8] }],
      [{ name: "text_embeds" }],
    );
    expect(declaredImageSize(session)).toBe(8);
    const dummy = { tokens, imageSize: 8 };
    await textTower(session, "m.onnx", "clip", dummy).run(tokens);
    expect(feeds[0]!.pixel_values).toMatchObject({ type: "float16", dims: [1, 3, 8, 8] });
    const wrong = recorder([{ name: "input_ids" }], [{ name: "text_embeds" }], 4, 3);
    await expect(textTower(wrong.session, "t.onnx", "clip").run(tokens)).rejects.toSatisfy(
      (e) => isClipkitError(e, "SHAPE_MISMATCH") && (e as Error).message.includes("[3, 4]"),
    );
  });
});

describe("visionTower", () => {
  it("converts pixels to float16 when the graph wants them and feeds dummy tokens to combined graphs", async () => {
    const { session, feeds } = recorder(
      [
        { name: "input_ids", type: "int64" },
        { name: "pixel_values", type: "float16" },
        { name: "attention_mask", type: "int64" },
      ],
      [{ name: "image_embeds" }],
    );
    const tower = visionTower(session, "m.onnx", "clip", { tokens, imageSize: 2 });
    const out = await tower.run({ data: new Float32Array(12).fill(1), dims: [1, 3, 2, 2] });
    expect(out.count).toBe(1);
    expect(feeds[0]!.pixel_values).toEqual({
      type: "float16",
      dims: [1, 3, 2, 2],
      data: new Uint16Array(12).fill(0x3c00),
    });
    expect(feeds[0]!.input_ids?.dims).toEqual([2, 2]);
    expect(feeds[0]!.attention_mask?.dims).toEqual([2, 2]);
  });

  it("names the missing pixel_values input", () => {
    const { session } = recorder([{ name: "images" }], [{ name: "image_embeds" }]);
    expect(() => visionTower(session, "v.onnx", "clip")).toThrow(
      /v\.onnx: graph has no input "pixel_values" \(it has images\)/,
    );
  });
});
