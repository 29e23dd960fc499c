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

const dir = join(fixtures, "tiny-smolvlm");

interface SmolRequestRef {
  id: string;
  images: string[];
  messages: ChatMessage[];
  text: string;
  input_ids: number[];
  greedy: RefSeq[];
  beam3: RefSeq[];
}

interface SmolRef {
  images: Record<string, string>;
  max_new_tokens: number;
  pixel_values: Record<string, { offset: number; shape: number[]; rows: number; cols: number }>;
  requests: SmolRequestRef[];
  batch: { requests: string[]; greedy: number[][] };
}

/** What the idefics3 family keeps in `PreparedRequest.data` (core's Idefics3Inputs). */
interface Idefics3Inputs {
  frames: { data: Float32Array; count: number; size: number; rows: number; cols: number }[];
}

const ref = readRef<SmolRef>(dir);
const bin = readFileSync(join(dir, "pixel_values.bin"));
const refPixels = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);

// Idefics3Processor.apply_chat_template + generate() ran on these messages; a leading system
// turn is passed as the chat request's `system`, the rest as messages.
function chatOf(r: SmolRequestRef, images: Map<string, RawImage>): VlmRequest {
  const [first, ...rest] = r.messages;
  const system =
    first?.role === "system" && typeof first.content !== "string" && first.content[0]?.type === "text"
      ? first.content[0].text
      : undefined;
  return {
    kind: "chat",
    images: r.images.map((n) => images.get(n)!),
    messages: system === undefined ? r.messages : rest,
    ...(system === undefined ? {} : { system }),
  };
}

describe("SmolVLM / Idefics3 (tiny Idefics3ForConditionalGeneration fixture) against transformers", () => {
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

  it("is detected as the idefics3 family", () => {
    expect(model.family).toBe("idefics3");
  });

  it("prepares like Idefics3Processor: tiles + global image, rows/cols, expanded input_ids", () => {
    for (const r of ref.requests) {
      const prepared = model.prepare(chatOf(r, images), 0);
      expect(prepared.ids, r.id).toEqual(r.input_ids);
      const data = prepared.data as Idefics3Inputs;
      r.images.forEach((name, k) => {
        const want = ref.pixel_values[name]!;
        const got = data.frames[k]!;
        expect([got.count, 3, got.size, got.size], `${r.id} ${name}`).toEqual(want.shape);
        expect([got.rows, got.cols], `${r.id} ${name}`).toEqual([want.rows, want.cols]);
        const expected = refPixels.subarray(want.offset, want.offset + got.data.length);
        let diffs = 0;
        for (let i = 0; i < expected.length; i++) if (got.data[i] !== expected[i]) diffs++;
        expect(diffs, `${r.id} ${name} pixel values`).toBe(0);
      });
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

  it("rejects image counts that do not match the image parts", () => {
    const r = ref.requests.find((x) => x.id === "two-images")!;
    const image = images.get(r.images[0]!)!;
    const chat = chatOf(r, images) as Extract<VlmRequest, { kind: "chat" }>;
    expect(() => model.prepare({ ...chat, images: [image] }, 3)).toThrow(
      expect.objectContaining({ code: "PROMPT_INVALID" }),
    );
  });
});
