import { join } from "node:path";
import {
  type GenerationOptions,
  loadVlmModel,
  type ModelFiles,
  openVlmFolder,
  type RawImage,
  runVlm,
  VLM_FAMILIES,
  type VlmModel,
  type VlmRequest,
} from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeFiles } from "../files/index.js";
import { decodeImage } from "../image/index.js";
import { nodeBackend } from "../session/index.js";
import { expectSequences, fixtures, maxDiff, type RefSeq, readRef } from "./golden-cases.js";
import { loadCaptioner, loadVqa } from "./load.js";

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

const load = (dir: string) =>
  loadVlmModel({ backend: nodeBackend({ intraOpThreads: 1 }), files: nodeFiles(dir) });

async function run(model: VlmModel, request: VlmRequest, options: GenerationOptions) {
  return (await runVlm(model, [request], options))[0]!.sequences;
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
    const got = await run(model, request(im.file, p.text), {
      maxNewTokens: ref.max_new_tokens,
      useCache: false,
    });
    expectSequences(got, p.results.greedy!, "no cache");
  });

  it("batches every image and prompt in one call (grouped by prefix length) to the one-by-one ids", async () => {
    const cases = ref.images.flatMap((im) => im.prompts.map((p) => ({ im, p })));
    const got = await runVlm(
      model,
      cases.map(({ im, p }) => request(im.file, p.text)),
      { maxNewTokens: ref.max_new_tokens, numBeams: 3 },
    );
    cases.forEach(({ im, p }, i) => {
      expectSequences(got[i]!.sequences, p.results.beam3!, `${im.file} ${p.text} batched`);
    });
  });

  it("rejects other request kinds (PROMPT_INVALID) and several images (INVALID_ARGUMENT)", () => {
    const img = images.get(ref.images[0]!.file)!;
    const other: VlmRequest = vqa
      ? { kind: "caption", images: [img] }
      : { kind: "question", images: [img], question: "what?" };
    expect(() => model.prepare(other, 3)).toThrow(expect.objectContaining({ code: "PROMPT_INVALID" }));
    const two: VlmRequest = vqa
      ? { kind: "question", images: [img, img], question: "what?" }
      : { kind: "caption", images: [img, img] };
    expect(() => model.prepare(two, 0)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});

const blipFamily = VLM_FAMILIES.find((f) => f.name === "blip")!;

describe("BLIP front-ends and folder checks", () => {
  it("loadCaptioner (with a prompt) and loadVqa return transformers' greedy ids and text", async () => {
    const ref = readRef<BlipRef>(captionDir);
    const im = ref.images[2]!;
    const captioner = await loadCaptioner(captionDir, { backend: { intraOpThreads: 1 } });
    try {
      expect(captioner.family).toBe("blip");
      for (const p of im.prompts) {
        const o = { maxNewTokens: ref.max_new_tokens, ...(p.text === null ? {} : { prompt: p.text }) };
        const [r] = await captioner.caption([join(repo, im.file)], o);
        expect(r!.tokens, `${p.text}`).toEqual(p.results.greedy![0]!.ids);
      }
    } finally {
      await captioner.release();
    }
    const vref = readRef<BlipRef>(vqaDir);
    const vim = vref.images[1]!;
    const vqa = await loadVqa(vqaDir, { backend: { intraOpThreads: 1 } });
    try {
      for (const p of vim.prompts) {
        const answer = await vqa.ask(join(repo, vim.file), p.text!, { maxNewTokens: vref.max_new_tokens });
        expect(answer.tokens, p.text!).toEqual(p.results.greedy![0]!.ids);
      }
    } finally {
      await vqa.release();
    }
  });

  it("names the missing graph of an incomplete VQA folder (MODEL_FILE_MISSING)", async () => {
    const files = nodeFiles(vqaDir);
    const hiding: ModelFiles = {
      location: files.location,
      exists: async (path) => !path.includes("text_encoder") && (await files.exists(path)),
      read: (path) => files.read(path),
      readText: (path) => files.readText(path),
    };
    const folder = await openVlmFolder(hiding, "fp32");
    expect(await blipFamily.matches(folder)).toBe(true);
    await expect(blipFamily.load(folder, { backend: nodeBackend(), files: hiding })).rejects.toMatchObject({
      code: "MODEL_FILE_MISSING",
      message: expect.stringContaining("onnx/text_encoder.onnx"),
    });
  });
});
