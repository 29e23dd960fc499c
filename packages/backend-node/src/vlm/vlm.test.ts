import { readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type GenerationOptions,
  isClipkitError,
  parsePreprocessorConfig,
  preprocessBatch,
} from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../image/index.js";
import { loadCaptioner, loadVqa, type NodeCaptioner, type NodeVqa } from "./load.js";

const root = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
const capDir = join(root, "tiny-captioner");
const llavaDir = join(root, "tiny-llava");

interface RefSeq {
  ids: number[];
  score: number;
}
interface CapRef {
  cases: { name: string; options: Record<string, unknown>; num_beams: number }[];
  images: {
    file: string;
    pixel_values: number[];
    captions: Record<string, number[] | RefSeq[]>;
    questions: Record<string, { greedy: number[]; beam3: RefSeq[] }>;
  }[];
}
interface LlavaRef {
  images: {
    file: string;
    prompts: Record<string, { prompt_ids: number[]; greedy: number[]; beam3: RefSeq[] }>;
  }[];
  caption_prompt: string;
}
const capRef = JSON.parse(readFileSync(join(capDir, "reference.json"), "utf8")) as CapRef;
const llavaRef = JSON.parse(readFileSync(join(llavaDir, "reference.json"), "utf8")) as LlavaRef;
const imagePath = (file: string) => join(capDir, file);

/** reference.py options (snake_case) → clipkit options. */
function toOptions(o: Record<string, unknown>, numBeams: number): GenerationOptions {
  return {
    numBeams,
    maxNewTokens: o.max_new_tokens as number,
    numReturnSequences: o.num_return_sequences as number | undefined,
    earlyStopping: o.early_stopping as boolean | "never" | undefined,
    lengthPenalty: o.length_penalty as number | undefined,
    repetitionPenalty: o.repetition_penalty as number | undefined,
    noRepeatNgramSize: o.no_repeat_ngram_size as number | undefined,
    minNewTokens: o.min_new_tokens as number | undefined,
    badWordsIds: o.bad_words_ids as number[][] | undefined,
  };
}

/** Greedy references keep pads after EOS only in batches; single runs end at EOS. */
const greedyIds = (ids: number[]) => ids;

async function expectCode(p: Promise<unknown>, code: string) {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isClipkitError(error), String(error)).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  return error as Error;
}

describe("encoder-decoder captioner (tiny ViT-GPT2 fixture)", () => {
  let cap: NodeCaptioner;
  let vqa: NodeVqa;
  beforeAll(async () => {
    cap = await loadCaptioner(capDir, { backend: { intraOpThreads: 1 } });
    vqa = await loadVqa(capDir, { backend: { intraOpThreads: 1 } });
  });
  afterAll(async () => {
    await cap?.release();
    await vqa?.release();
  });

  it("decodes and preprocesses the PNGs to the reference pixel values", async () => {
    const config = parsePreprocessorConfig(
      JSON.parse(readFileSync(join(capDir, "preprocessor_config.json"), "utf8")),
    );
    for (const im of capRef.images) {
      const batch = preprocessBatch([await decodeImage(imagePath(im.file))], config);
      let maxDiff = 0;
      for (let i = 0; i < batch.data.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs(batch.data[i]! - im.pixel_values[i]!));
      expect(maxDiff).toBeLessThan(1e-6);
    }
  });

  it("matches the reference token for token in every decoding case", async () => {
    expect(cap.layout).toBe("encoder-decoder");
    for (const im of capRef.images) {
      for (const c of capRef.cases) {
        const [result] = await cap.caption([imagePath(im.file)], toOptions(c.options, c.num_beams));
        const expected = im.captions[c.name]!;
        if (c.num_beams === 1) {
          expect(result!.tokens, `${im.file} ${c.name}`).toEqual(greedyIds(expected as number[]));
        } else {
          const seqs = expected as RefSeq[];
          expect(
            result!.sequences.map((s) => s.tokens),
            `${im.file} ${c.name}`,
          ).toEqual(seqs.map((s) => s.ids));
          for (const [i, s] of result!.sequences.entries()) expect(s.score).toBeCloseTo(seqs[i]!.score, 4);
        }
      }
    }
  });

  it("gives the same result without the KV cache", async () => {
    const images = capRef.images.map((im) => imagePath(im.file));
    for (const numBeams of [1, 3]) {
      const cached = await cap.caption(images, { numBeams, numReturnSequences: numBeams });
      const plain = await cap.caption(images, { numBeams, numReturnSequences: numBeams, useCache: false });
      expect(plain.map((r) => r.sequences.map((s) => s.tokens))).toEqual(
        cached.map((r) => r.sequences.map((s) => s.tokens)),
      );
    }
  });

  it("batches like sequential calls", async () => {
    const images = capRef.images.map((im) => imagePath(im.file));
    for (const numBeams of [1, 3]) {
      const batch = await cap.caption(images, { numBeams });
      for (const [i, image] of images.entries()) {
        const [single] = await cap.caption([image], { numBeams });
        expect(batch[i]!.tokens).toEqual(single!.tokens);
      }
    }
  });

  it("answers questions with the question as decoder prefix", async () => {
    for (const im of capRef.images) {
      for (const [q, ref] of Object.entries(im.questions)) {
        const greedy = await vqa.ask(imagePath(im.file), q);
        expect(greedy.tokens).toEqual(ref.greedy);
        const beam = await vqa.ask(imagePath(im.file), q, { numBeams: 3 });
        expect(beam.tokens).toEqual(ref.beam3[0]!.ids);
      }
    }
    const many = await vqa.askMany(
      Object.keys(capRef.images[0]!.questions).map((question) => ({
        image: imagePath(capRef.images[0]!.file),
        question,
      })),
    );
    expect(many.map((r) => r.tokens)).toEqual(
      Object.values(capRef.images[0]!.questions).map((r) => r.greedy),
    );
  });

  it("streams the same text it returns, greedy and beam", async () => {
    const image = imagePath(capRef.images[1]!.file);
    for (const numBeams of [1, 3]) {
      const [full] = await cap.caption([image], { numBeams });
      let text = "";
      const tokens: number[] = [];
      for await (const chunk of cap.captionStream([image], { numBeams })) {
        text += chunk.text;
        tokens.push(chunk.token);
      }
      expect(text).toBe(full!.text);
      expect(tokens).toEqual(full!.tokens);
    }
    const seen: string[] = [];
    const answer = await vqa.ask(image, "what color is the shape?", { onChunk: (c) => seen.push(c.text) });
    expect(seen.join("")).toBe(answer.text);
  });

  it("aborts mid-way with ABORTED", async () => {
    const controller = new AbortController();
    let chunks = 0;
    await expectCode(
      cap.caption([imagePath(capRef.images[0]!.file)], {
        signal: controller.signal,
        onChunk: () => {
          chunks++;
          if (chunks === 2) controller.abort();
        },
      }),
      "ABORTED",
    );
    expect(chunks).toBe(2);
    const stream = cap.captionStream([imagePath(capRef.images[0]!.file)], { signal: AbortSignal.abort() });
    await expectCode(stream.next(), "ABORTED");
  });

  it("samples reproducibly with a seed", async () => {
    const image = imagePath(capRef.images[2]!.file);
    const opts = { doSample: true, temperature: 3, topK: 50, topP: 0.95, numReturnSequences: 3 };
    const a = await cap.caption([image], { ...opts, seed: 7 });
    const b = await cap.caption([image], { ...opts, seed: 7 });
    expect(b[0]!.sequences.map((s) => s.tokens)).toEqual(a[0]!.sequences.map((s) => s.tokens));
    const others = await Promise.all([1, 2, 3].map((seed) => cap.caption([image], { ...opts, seed })));
    const distinct = new Set([a, ...others].flatMap((r) => r[0]!.sequences.map((s) => s.tokens.join(","))));
    expect(distinct.size).toBeGreaterThan(1);
  });

  it("stops at stop strings and cuts the text before them", async () => {
    const [r] = await cap.caption([imagePath(capRef.images[0]!.file)], { stopStrings: [" on"] });
    expect(r!.text).toBe("a red circle");
    // Beams finish a hypothesis at the stop string too (HF ≥ 4.50), rather than running on.
    const [beam] = await cap.caption([imagePath(capRef.images[0]!.file)], {
      numBeams: 3,
      stopStrings: [" on"],
    });
    expect(beam!.text).toBe("a red circle");
    const [full] = await cap.caption([imagePath(capRef.images[0]!.file)], { numBeams: 3 });
    expect(beam!.sequences[0]!.tokens.length).toBeLessThan(full!.sequences[0]!.tokens.length);
  });

  it("rejects bad input with typed errors", async () => {
    await expectCode(cap.caption([]), "INVALID_ARGUMENT");
    const missing = await cap.caption([join(capDir, "images/missing.png")]).catch((e: unknown) => e);
    expect(isClipkitError(missing)).toBe(true);
    await expectCode(
      cap.caption([imagePath(capRef.images[0]!.file)], { maxNewTokens: 500 }),
      "PROMPT_INVALID",
    );
    await expectCode(vqa.ask(imagePath(capRef.images[0]!.file), "  "), "PROMPT_INVALID");
    await expectCode(cap.caption([imagePath(capRef.images[0]!.file)], { numBeams: 0 }), "INVALID_ARGUMENT");
    await expectCode(
      cap.caption([imagePath(capRef.images[0]!.file)], { numBeams: 2, numReturnSequences: 3 }),
      "INVALID_ARGUMENT",
    );
  });
});

describe("model folder errors", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "clipkit-vlm-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("names the layout problem", async () => {
    await writeFile(join(dir, "config.json"), "{}");
    await expectCode(loadCaptioner(dir), "MODEL_LAYOUT_UNSUPPORTED");
    await mkdir(join(dir, "onnx"));
    await copyFile(join(capDir, "onnx/encoder_model.onnx"), join(dir, "onnx/encoder_model.onnx"));
    const e = await expectCode(loadCaptioner(dir), "MODEL_FILE_MISSING");
    expect(e.message).toContain("decoder_model_merged.onnx");
    await copyFile(join(llavaDir, "onnx/vision_encoder.onnx"), join(dir, "onnx/vision_encoder.onnx"));
    expect((await expectCode(loadVqa(dir), "MODEL_FILE_MISSING")).message).toContain("embed_tokens.onnx");
  });
});

describe("LLaVA-style VLM (tiny fixture)", () => {
  let cap: NodeCaptioner;
  let vqa: NodeVqa;
  beforeAll(async () => {
    cap = await loadCaptioner(llavaDir, { backend: { intraOpThreads: 1 } });
    vqa = await loadVqa(llavaDir, { backend: { intraOpThreads: 1 } });
  });
  afterAll(async () => {
    await cap?.release();
    await vqa?.release();
  });

  it("captions and answers token for token like the reference, with and without cache", async () => {
    expect(vqa.layout).toBe("llava");
    for (const im of llavaRef.images) {
      const file = join(llavaDir, im.file);
      for (const [prompt, ref] of Object.entries(im.prompts)) {
        const isCaption = prompt === llavaRef.caption_prompt;
        const run = (o: GenerationOptions) =>
          isCaption ? cap.caption([file], o).then((r) => r[0]!) : vqa.ask(file, prompt, o);
        expect((await run({})).tokens, `${im.file} ${prompt}`).toEqual(ref.greedy);
        expect((await run({ numBeams: 3 })).tokens, `${im.file} ${prompt} beam`).toEqual(ref.beam3[0]!.ids);
        if (isCaption)
          expect((await run({ numBeams: 3, useCache: false })).tokens).toEqual(ref.beam3[0]!.ids);
      }
    }
  });

  it("left-pads prompts of different lengths in one batch", async () => {
    const im = llavaRef.images[1]!;
    const file = join(llavaDir, im.file);
    const questions = Object.keys(im.prompts).filter((p) => p !== llavaRef.caption_prompt);
    const many = await vqa.askMany(questions.map((question) => ({ image: file, question })));
    const lengths = new Set(questions.map((q) => im.prompts[q]!.prompt_ids.length));
    expect(lengths.size).toBeGreaterThan(1);
    expect(many.map((r) => r.tokens)).toEqual(questions.map((q) => im.prompts[q]!.greedy));
    const batch = await cap.caption(
      llavaRef.images.map((x) => join(llavaDir, x.file)),
      { numBeams: 2 },
    );
    for (const [i, x] of llavaRef.images.entries()) {
      expect(batch[i]!.tokens).toEqual(
        (await cap.caption([join(llavaDir, x.file)], { numBeams: 2 }))[0]!.tokens,
      );
    }
  });
});

describe("tiny-captioner merged decoder: use_cache_branch semantics", () => {
  it("false ignores any past fed; true continues from it", async () => {
    const { nodeBackend } = await import("../session/index.js");
    const { tensor } = await import("@clipkit/core");
    const session = await nodeBackend({ intraOpThreads: 1 }).createSession(
      readFileSync(join(capDir, "onnx/decoder_model_merged.onnx")),
    );
    const hidden = tensor(
      "float32",
      Float32Array.from({ length: 17 * 32 }, (_, i) => Math.sin(i)),
      [1, 17, 32],
    );
    const past = (len: number, fill: number) =>
      Object.fromEntries(
        [0, 1].flatMap((l) =>
          ["key", "value"].map((k) => [
            `past_key_values.${l}.${k}`,
            tensor("float32", new Float32Array(4 * len * 8).fill(fill), [1, 4, len, 8]),
          ]),
        ),
      );
    const run = (ids: number[], p: Record<string, ReturnType<typeof tensor>>, branch: boolean) =>
      session.run({
        input_ids: tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
        encoder_hidden_states: hidden,
        use_cache_branch: tensor("bool", Uint8Array.of(branch ? 1 : 0), [1]),
        ...p,
      });
    const ids = [444, 97, 317];
    const fresh = await run(ids, past(0, 0), false);
    const ignored = await run(ids, past(3, 7), false);
    expect([...(ignored.logits!.data as Float32Array)]).toEqual([...(fresh.logits!.data as Float32Array)]);
    const first = await run(ids.slice(0, 2), past(0, 0), false);
    const cached: Record<string, ReturnType<typeof tensor>> = {};
    for (const l of [0, 1])
      for (const k of ["key", "value"])
        cached[`past_key_values.${l}.${k}`] = first[`present.${l}.${k}`] as never;
    const step = await run([ids[2]!], cached, true);
    const last = (fresh.logits!.data as Float32Array).slice(2 * 446);
    const got = step.logits!.data as Float32Array;
    for (let i = 0; i < 446; i++) expect(got[i]).toBeCloseTo(last[i]!, 4);
    await session.release();
  });
});
