import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  loadVlmModel,
  type PixelData,
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

const dir = join(fixtures, "tiny-paligemma");

interface PaliRequestRef {
  id: string;
  images: string[];
  prompt: string;
  input_ids: number[];
  greedy: RefSeq[];
  beam3: RefSeq[];
}

interface PaliRef {
  images: Record<string, string>;
  max_new_tokens: number;
  pixel_values: Record<string, { offset: number; shape: number[] }>;
  requests: PaliRequestRef[];
  batch: { requests: string[]; greedy: number[][] };
}

const ref = readRef<PaliRef>(dir);
const bin = readFileSync(join(dir, "pixel_values.bin"));
const refPixels = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);

describe("PaliGemma (tiny PaliGemmaForConditionalGeneration fixture, Gemma2 text) against transformers", () => {
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
  // PaliGemma takes plain prompts; the references ran each through PaliGemmaProcessor as is.
  const request = (r: PaliRequestRef): VlmRequest => ({
    kind: "question",
    images: r.images.map((n) => images.get(n)!),
    question: r.prompt,
  });
  const one = (r: PaliRequestRef, numBeams: number, useCache = true) =>
    runVlm(model, [request(r)], { numBeams, maxNewTokens: ref.max_new_tokens, useCache }).then((x) => x[0]!);

  it("is detected as the paligemma family", () => {
    expect(model.family).toBe("paligemma");
    expect(model.kinds).toEqual(["caption", "question"]);
  });

  it("prepares like PaliGemmaProcessor: <image> × N + BOS + prompt + newline, SigLIP pixels", () => {
    for (const r of ref.requests) {
      const prepared = model.prepare(request(r), 0);
      expect(prepared.ids, r.id).toEqual(r.input_ids);
      const px = prepared.data as PixelData;
      const per = px.pixels.length / r.images.length;
      r.images.forEach((name, k) => {
        const want = ref.pixel_values[name]!;
        expect(px.dims.slice(1), name).toEqual(want.shape);
        let diffs = 0;
        for (let i = 0; i < per; i++) if (px.pixels[k * per + i] !== refPixels[want.offset + i]) diffs++;
        expect(diffs, `${r.id} ${name} pixel values`).toBe(0);
      });
    }
    const caption = ref.requests.find((r) => r.prompt === "caption en")!;
    expect(model.prepare({ kind: "caption", images: request(caption).images }, 0).ids).toEqual(
      caption.input_ids,
    );
  });

  it("generates transformers' generate() ids token for token (greedy and beam 3, prefix-LM, KV cache)", async () => {
    let exact = 0;
    for (const r of ref.requests) {
      expectSequences((await one(r, 1)).sequences, r.greedy, `${r.id} greedy`);
      expectSequences((await one(r, 3)).sequences, r.beam3, `${r.id} beam3`);
      exact += 2;
    }
    expect(exact).toBe(2 * ref.requests.length);
  });

  it("gives the same tokens without the KV cache (generated tokens stay causal)", async () => {
    for (const r of ref.requests.slice(-2))
      expectSequences((await one(r, 1, false)).sequences, r.greedy, r.id);
  });

  it("batches prompts of different lengths with left padding as transformers does", async () => {
    const reqs = ref.batch.requests.map((id) => request(ref.requests.find((r) => r.id === id)!));
    const got = await runVlm(model, reqs, { maxNewTokens: ref.max_new_tokens });
    expect(got.map((g) => g.tokens)).toEqual(ref.batch.greedy);
  });

  it("rejects chat requests and requests without an image", () => {
    const image = images.get(ref.requests[0]!.images[0]!)!;
    expect(() =>
      model.prepare({ kind: "chat", images: [image], messages: [{ role: "user", content: "hi" }] }, 0),
    ).toThrow(expect.objectContaining({ code: "PROMPT_INVALID" }));
    expect(() => model.prepare({ kind: "caption", images: [] }, 0)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});
