import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ChatMessage,
  loadVlmModel,
  type RawImage,
  runVlm,
  type VlmModel,
  type VlmRequest,
} from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeFiles } from "../files/index.js";
import { decodeImage } from "../image/index.js";
import { nodeBackend } from "../session/index.js";
import { expectSequences, fixtures, type RefSeq, readRef } from "./golden-cases.js";

const dir = join(fixtures, "tiny-qwen2vl");

interface QwenRequestRef {
  id: string;
  images: string[];
  messages: ChatMessage[];
  text: string;
  input_ids: number[];
  image_grid_thw: [number, number, number][];
  position_ids: [number[], number[], number[]];
  rope_delta: number;
  greedy: RefSeq[];
  beam3: RefSeq[];
}

interface QwenRef {
  images: Record<string, string>;
  max_new_tokens: number;
  pixel_values: Record<string, { offset: number; shape: [number, number] }>;
  requests: QwenRequestRef[];
  batch: { requests: string[]; greedy: number[][] };
}

/** What the qwen2_vl family keeps in `PreparedRequest.data` (core's Qwen2VLInputs). */
interface Qwen2VLInputs {
  patches: { data: Float32Array; rows: number; rowLength: number; gridThw: [number, number, number] }[];
  positions: [number[], number[], number[]];
  next: number;
}

const ref = readRef<QwenRef>(dir);
const bin = readFileSync(join(dir, "pixel_values.bin"));
const refPixels = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);

// The references were made by Qwen2VLProcessor.apply_chat_template + generate() on these messages;
// a leading system turn is passed as the chat request's `system`, the rest as messages.
function chatOf(r: QwenRequestRef, images: Map<string, RawImage>): VlmRequest {
  const [first, ...rest] = r.messages;
  const system = first?.role === "system" && typeof first.content === "string" ? first.content : undefined;
  return {
    kind: "chat",
    images: r.images.map((n) => images.get(n)!),
    messages: system === undefined ? r.messages : rest,
    ...(system === undefined ? {} : { system }),
  };
}

describe("Qwen2-VL (tiny Qwen2VLForConditionalGeneration fixture) against transformers", () => {
  let model: VlmModel;
  const images = new Map<string, RawImage>();
  beforeAll(async () => {
    model = await loadVlmModel({ backend: nodeBackend({ intraOpThreads: 1 }), files: nodeFiles(dir) });
    for (const [name, file] of Object.entries(ref.images))
      images.set(name, await decodeImage(join(dir, file)));
  });
  afterAll(async () => {
    await model?.release();
  });
  const one = (request: VlmRequest, numBeams: number) =>
    runVlm(model, [request], { numBeams, maxNewTokens: ref.max_new_tokens }).then((r) => r[0]!);

  it("is detected as the qwen2_vl family", () => {
    expect(model.family).toBe("qwen2_vl");
    expect(model.kinds).toEqual(["caption", "question", "chat"]);
  });

  it("prepares like Qwen2VLProcessor: input_ids, pixel_values, image_grid_thw, get_rope_index", () => {
    for (const r of ref.requests) {
      const prepared = model.prepare(chatOf(r, images), 0);
      const data = prepared.data as Qwen2VLInputs;
      expect(prepared.ids, r.id).toEqual(r.input_ids);
      expect(
        data.patches.map((p) => p.gridThw),
        r.id,
      ).toEqual(r.image_grid_thw);
      r.images.forEach((name, k) => {
        const { offset, shape } = ref.pixel_values[name]!;
        const want = refPixels.subarray(offset, offset + shape[0] * shape[1]);
        const got = data.patches[k]!;
        expect([got.rows, got.rowLength], `${r.id} ${name}`).toEqual(shape);
        let diffs = 0;
        for (let i = 0; i < want.length; i++) if (got.data[i] !== want[i]) diffs++;
        expect(diffs, `${r.id} ${name} pixel values`).toBe(0);
      });
      expect(data.positions, r.id).toEqual(r.position_ids);
      expect(data.next - r.input_ids.length, r.id).toBe(r.rope_delta);
    }
  });

  it("builds the caption and question prompts as the chat template does", () => {
    const describe = ref.requests.find((r) => r.id.endsWith(":describe"))!;
    const image = images.get(describe.images[0]!)!;
    expect(model.prepare({ kind: "caption", images: [image] }, 0).ids).toEqual(describe.input_ids);
    expect(
      model.prepare({ kind: "question", images: [image], question: "Describe the image." }, 0).ids,
    ).toEqual(describe.input_ids);
  });

  it("generates transformers' generate() ids token for token (greedy and beam 3, KV cache)", async () => {
    let exact = 0;
    for (const r of ref.requests) {
      expectSequences((await one(chatOf(r, images), 1)).sequences, r.greedy, `${r.id} greedy`);
      expectSequences((await one(chatOf(r, images), 3)).sequences, r.beam3, `${r.id} beam3`);
      exact += 2;
    }
    expect(exact).toBe(2 * ref.requests.length);
  });

  it("gives the same tokens without the KV cache", async () => {
    for (const r of ref.requests.slice(-2)) {
      const got = await runVlm(model, [chatOf(r, images)], {
        maxNewTokens: ref.max_new_tokens,
        useCache: false,
      });
      expectSequences(got[0]!.sequences, r.greedy, `${r.id} no cache`);
    }
  });

  it("batches prompts of different lengths with left padding as transformers does", async () => {
    const reqs = ref.batch.requests.map((id) => chatOf(ref.requests.find((r) => r.id === id)!, images));
    const got = await runVlm(model, reqs, { maxNewTokens: ref.max_new_tokens });
    expect(got.map((g) => g.tokens)).toEqual(ref.batch.greedy);
  });

  it("rejects image counts that do not match the image parts, and task requests", () => {
    const r = ref.requests.find((x) => x.id === "two-images")!;
    const image = images.get(r.images[0]!)!;
    const chat = chatOf(r, images) as Extract<VlmRequest, { kind: "chat" }>;
    expect(() => model.prepare({ ...chat, images: [image] }, 3)).toThrow(
      expect.objectContaining({ code: "PROMPT_INVALID" }),
    );
    expect(() => model.prepare({ kind: "task", images: [image], task: "<OD>" }, 0)).toThrow(
      expect.objectContaining({ code: "PROMPT_INVALID" }),
    );
  });
});
