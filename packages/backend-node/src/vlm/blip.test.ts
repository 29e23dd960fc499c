import { join } from "node:path";
import {
  type GenerationOptions,
  generate,
  type ModelFiles,
  type RawImage,
  resolveGenerationOptions,
} from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// TEMP until the family registry lands on main: the family is driven directly.
import { blipFamily } from "../../../core/src/vlm/families/blip.js";
import type { VlmModel, VlmRequest } from "../../../core/src/vlm/family.js";
import { openVlmFolder } from "../../../core/src/vlm/folder.js";
import { nodeFiles } from "../files/index.js";
import { decodeImage } from "../image/index.js";
import { nodeBackend } from "../session/index.js";
import { expectSequences, fixtures, maxDiff, type RefSeq, readRef } from "./golden-cases.js";

const repo = join(fixtures, "..", "..");
const captionDir = join(fixtures, "tiny-blip");
const vqaDir = join(fixtures, "tiny-blip-vqa");

interface BlipMode {
  name: string;
  num_beams: number;
  num_return_sequences?: number;
  repetition_penalty?: number;
}
interface BlipRef {
  max_new_tokens: number;
  modes: BlipMode[];
  images: {
    file: string;
    pixel_values: number[];
    prompts: { text: string | null; input_ids: number[] | null; results: Record<string, RefSeq[]> }[];
  }[];
}

const toOptions = (m: BlipMode, maxNewTokens: number): GenerationOptions => ({
  numBeams: m.num_beams,
  maxNewTokens,
  numReturnSequences: m.num_return_sequences,
  repetitionPenalty: m.repetition_penalty,
});

async function load(dir: string): Promise<VlmModel> {
  const files = nodeFiles(dir);
  const folder = await openVlmFolder(files, "fp32");
  expect(await blipFamily.matches(folder)).toBe(true);
  return blipFamily.load(folder, { backend: nodeBackend({ intraOpThreads: 1 }), files });
}

async function run(model: VlmModel, request: VlmRequest, options: GenerationOptions, useCache = true) {
  const prepared = model.prepare(request, 0);
  const o = resolveGenerationOptions(options, model.defaults, prepared.positions);
  const lm = await model.start([prepared], useCache);
  return (await generate(lm, [prepared.ids], o))[0]!;
}

describe.each([
  ["captioning (BlipForConditionalGeneration)", captionDir],
  ["VQA (BlipForQuestionAnswering)", vqaDir],
])("BLIP %s against transformers", (_, dir) => {
  const ref = readRef<BlipRef>(dir);
  const vqa = dir === vqaDir;
  let model: VlmModel;
  const images = new Map<string, RawImage>();
  beforeAll(async () => {
    model = await load(dir);
    for (const im of ref.images) images.set(im.file, await decodeImage(join(repo, im.file)));
  });
  afterAll(async () => {
    await model?.release();
  });
  const request = (file: string, text: string | null): VlmRequest => {
    const img = [images.get(file)!];
    if (vqa) return { kind: "question", images: img, question: text! };
    return text === null ? { kind: "caption", images: img } : { kind: "caption", images: img, prompt: text };
  };

  it("tokenizes and preprocesses as BlipProcessor does (pixels, input ids, decoder prefix)", () => {
    expect(model.family).toBe("blip");
    expect(model.kinds).toEqual([vqa ? "question" : "caption"]);
    const bos = model.tokenizer.tokenToId("[DEC]")!;
    for (const im of ref.images) {
      for (const p of im.prompts) {
        // The family's private data holds what BlipProcessor returned: pixels and question ids.
        const prepared = model.prepare(request(im.file, p.text), 0);
        const data = prepared.data as { pixels: Float32Array; question?: readonly number[] };
        expect(maxDiff(data.pixels, im.pixel_values), im.file).toBeLessThan(1e-5);
        if (vqa) {
          expect(data.question, p.text!).toEqual(p.input_ids);
          expect(prepared.ids).toEqual([bos]);
        } else if (p.text === null) {
          expect(prepared.ids).toEqual([bos]);
        } else {
          // generate(): [CLS] prompt [SEP] → [DEC] prompt.
          expect(model.tokenizer.encode(p.text, { truncation: false }), p.text).toEqual(p.input_ids);
          expect(prepared.ids).toEqual([bos, ...p.input_ids!.slice(1, -1)]);
        }
      }
    }
  });

  it("generates transformers' generate() ids token for token, every image, prompt and mode", async () => {
    let exact = 0;
    for (const im of ref.images) {
      for (const p of im.prompts) {
        for (const m of ref.modes) {
          const got = await run(model, request(im.file, p.text), toOptions(m, ref.max_new_tokens));
          expectSequences(got, p.results[m.name]!, `${im.file} ${p.text} ${m.name}`);
          exact++;
        }
      }
    }
    expect(exact).toBe(ref.images.length * ref.images[0]!.prompts.length * ref.modes.length);
  });

  it("gives the same ids without the KV cache", async () => {
    const im = ref.images[1]!;
    const p = im.prompts[1]!;
    const got = await run(model, request(im.file, p.text), { maxNewTokens: ref.max_new_tokens }, false);
    expectSequences([got[0]!], p.results.greedy!, "no cache");
  });

  it("batches several images (one decoder prefix length) to the same ids as one by one", async () => {
    const p = ref.images[0]!.prompts[vqa ? 0 : 1]!;
    const prepared = ref.images.map((im, i) => model.prepare(request(im.file, p.text), i));
    expect(new Set(prepared.map((r) => r.batchKey)).size).toBe(1);
    const lm = await model.start(prepared, true);
    const o = resolveGenerationOptions({ maxNewTokens: ref.max_new_tokens, numBeams: 3 }, model.defaults, 1);
    const got = await generate(
      lm,
      prepared.map((r) => r.ids),
      o,
    );
    ref.images.forEach((im, i) => {
      const want = im.prompts.find((q) => q.text === p.text)!.results.beam3!;
      expectSequences(got[i]!, want, `${im.file} batched`);
    });
  });

  it("rejects other request kinds and several images with PROMPT_INVALID", () => {
    const img = images.get(ref.images[0]!.file)!;
    const other: VlmRequest = vqa
      ? { kind: "caption", images: [img] }
      : { kind: "question", images: [img], question: "what?" };
    expect(() => model.prepare(other, 3)).toThrow(expect.objectContaining({ code: "PROMPT_INVALID" }));
    const two: VlmRequest = vqa
      ? { kind: "question", images: [img, img], question: "what?" }
      : { kind: "caption", images: [img, img] };
    expect(() => model.prepare(two, 0)).toThrow(expect.objectContaining({ code: "PROMPT_INVALID" }));
  });
});

describe("BLIP folder checks", () => {
  it("names the missing graph of an incomplete VQA folder (MODEL_FILE_MISSING)", async () => {
    const files = nodeFiles(vqaDir);
    const hiding: ModelFiles = {
      location: files.location,
      exists: async (path) => !path.includes("text_encoder") && (await files.exists(path)),
      read: (path) => files.read(path),
      readText: (path) => files.readText(path),
    };
    const folder = await openVlmFolder(hiding, "fp32");
    await expect(blipFamily.load(folder, { backend: nodeBackend(), files: hiding })).rejects.toMatchObject({
      code: "MODEL_FILE_MISSING",
      message: expect.stringContaining("onnx/text_encoder.onnx"),
    });
  });
});
