import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isClipkitError, loadVlmModel, type RawImage, runVlm, type VlmRequest } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { nodeFiles } from "../files/index.js";
import { nodeBackend } from "../session/index.js";
import { expectSequences, fixtures, maxDiff, type RefSeq } from "./golden-cases.js";
import { useVlmFixture } from "./golden-suite.js";
import { loadCaptioner } from "./load.js";

// Written by tools/fixtures/florence2/build.py from transformers' Florence2Processor,
// Florence2ForConditionalGeneration.generate() and post_process_generation.
const dir = join(fixtures, "tiny-florence2");
const root = join(fixtures, "..", "..");

interface FlorenceSeq extends RefSeq {
  decoded: string;
  parsed: unknown;
}
interface FlorenceRef {
  generate: { max_new_tokens: number };
  image_seq_length: number;
  images: {
    file: string;
    size: [number, number];
    trained: boolean;
    pixel_values: number[];
    tasks: {
      task: string;
      text: string | null;
      prompt: string;
      input_ids: number[];
      greedy: FlorenceSeq[];
      beam3: FlorenceSeq[];
    }[];
  }[];
  prompts: { input: string; prompt: string; ids: number[] }[];
}
const ref = JSON.parse(readFileSync(join(dir, "reference.json"), "utf8")) as FlorenceRef;

/** What clipkit's Florence-2 family keeps for one prepared request. */
interface PreparedData {
  pixels: Float32Array;
  encoderIds: number[];
}

const request = (image: RawImage, task: string, text: string | null): VlmRequest =>
  text === null ? { kind: "task", images: [image], task } : { kind: "task", images: [image], task, text };

describe("Florence-2 (tiny Florence2ForConditionalGeneration fixture) against transformers", () => {
  const fx = useVlmFixture(dir, Object.fromEntries(ref.images.map((im) => [im.file, im.file])), root);

  it("has a fixture whose answers depend on the picture", () => {
    for (const task of ["<CAPTION>", "<OD>", "<OCR>"]) {
      const answers = ref.images
        .filter((im) => im.trained)
        .map((im) => im.tasks.find((c) => c.task === task)!.greedy[0]!.decoded);
      expect(new Set(answers).size, task).toBe(answers.length);
    }
  });

  it("is detected as Florence-2 and knows its tasks", () => {
    expect(fx.model.family).toBe("florence2");
    expect(fx.model.kinds).toEqual(["task", "caption"]);
    for (const t of ["<CAPTION>", "<DETAILED_CAPTION>", "<MORE_DETAILED_CAPTION>", "<OCR>", "<OD>"])
      expect(fx.model.tasks).toContain(t);
    expect(fx.model.tasks).toContain("<CAPTION_TO_PHRASE_GROUNDING>");
  });

  it("preprocesses and tokenizes every task prompt as Florence2Processor", () => {
    for (const im of ref.images) {
      for (const c of im.tasks) {
        const p = fx.model.prepare(request(fx.image(im.file), c.task, c.text), 0);
        const data = p.data as PreparedData;
        expect(maxDiff(data.pixels, im.pixel_values), im.file).toBeLessThan(1e-5);
        // transformers puts image_seq_length <image> placeholders before <s> prompt </s>.
        expect(data.encoderIds, `${im.file} ${c.task}`).toEqual(c.input_ids.slice(ref.image_seq_length));
        expect(c.input_ids.length - data.encoderIds.length).toBe(ref.image_seq_length);
      }
    }
    const pixel = fx.image(ref.images[0]!.file);
    for (const c of ref.prompts) {
      const task = fx.model.tasks.find((t) => c.input.startsWith(t));
      const r: VlmRequest =
        task === undefined
          ? { kind: "caption", images: [pixel], prompt: c.input }
          : { kind: "task", images: [pixel], task, text: c.input.slice(task.length) };
      expect((fx.model.prepare(r, 0).data as PreparedData).encoderIds, c.input).toEqual(c.ids);
    }
  });

  it("generates transformers' ids token for token for every task, greedy and beam 3, and parses them the same", async () => {
    const o = { maxNewTokens: ref.generate.max_new_tokens };
    let exact = 0;
    for (const im of ref.images) {
      const image = fx.image(im.file);
      for (const c of im.tasks) {
        const r = request(image, c.task, c.text);
        const label = `${im.file} ${c.task}`;
        const [greedy] = await runVlm(fx.model, [r], { ...o, numBeams: 1 });
        expectSequences(greedy!.sequences, c.greedy, label);
        expect(greedy!.structured, label).toEqual(c.greedy[0]!.parsed);
        const [beam] = await runVlm(fx.model, [r], { ...o, numBeams: 3, numReturnSequences: 3 });
        expectSequences(beam!.sequences, c.beam3, `${label} beam3`);
        beam!.sequences.forEach((s, i) => {
          expect(fx.model.tokenizer.decode(s.tokens, { skipSpecialTokens: false })).toBe(c.beam3[i]!.decoded);
          expect(fx.model.postprocess!(s.text, s.tokens, r), `${label} beam ${i}`).toEqual(
            c.beam3[i]!.parsed,
          );
        });
        exact += 2;
      }
    }
    expect(exact).toBe(ref.images.length * 6 * 2);
  });

  it("boxes come out in pixels of the original picture", async () => {
    const im = ref.images.find((i) => i.file.endsWith("coffee.jpg"))!;
    const [r] = await runVlm(fx.model, [request(fx.image(im.file), "<OD>", null)], { maxNewTokens: 40 });
    const od = r!.structured as { bboxes: number[][]; labels: string[] };
    expect(od.labels.length).toBeGreaterThan(0);
    for (const [x0, y0, x1, y1] of od.bboxes) {
      expect(x0!).toBeLessThanOrEqual(x1!);
      expect(y0!).toBeLessThanOrEqual(y1!);
      expect(x1!).toBeLessThanOrEqual(im.size[0]);
      expect(y1!).toBeLessThanOrEqual(im.size[1]);
    }
  });

  it("batches several pictures and tasks, with and without the KV cache, to the same ids", async () => {
    const cases = ref.images.flatMap((im) =>
      im.tasks
        .filter((c) => c.task === "<OD>" || c.task === "<CAPTION>")
        .map((c) => ({ r: request(fx.image(im.file), c.task, c.text), want: c.greedy })),
    );
    const got = await runVlm(
      fx.model,
      cases.map((c) => c.r),
      { maxNewTokens: ref.generate.max_new_tokens },
    );
    for (const [i, g] of got.entries()) expectSequences(g.sequences, cases[i]!.want, `batched ${i}`);
    const c = cases[1]!;
    const [noCache] = await runVlm(fx.model, [c.r], {
      maxNewTokens: ref.generate.max_new_tokens,
      useCache: false,
    });
    expectSequences(noCache!.sequences, c.want, "no cache");
  });

  it("maps a plain caption request to <CAPTION>", async () => {
    const im = ref.images[1]!;
    const image = fx.image(im.file);
    const want = im.tasks.find((c) => c.task === "<CAPTION>")!;
    const [r] = await runVlm(fx.model, [{ kind: "caption", images: [image] }], { maxNewTokens: 40 });
    expectSequences(r!.sequences, want.greedy, "caption");
    expect(r!.structured).toBe(want.greedy[0]!.parsed);
  });

  it("reads a caption prompt as Florence2Processor reads text, and loadCaptioner captions with <CAPTION>", async () => {
    const im = ref.images[2]!;
    const image = fx.image(im.file);
    const od = im.tasks.find((c) => c.task === "<OD>")!;
    const [r] = await runVlm(fx.model, [{ kind: "caption", images: [image], prompt: "<OD>" }], {
      maxNewTokens: 40,
    });
    expectSequences(r!.sequences, od.greedy, "caption prompt <OD>");
    expect(r!.structured).toEqual(od.greedy[0]!.parsed);
    const captioner = await loadCaptioner(dir, { backend: { intraOpThreads: 1 } });
    try {
      const [c] = await captioner.caption([join(root, im.file)], { maxNewTokens: 40 });
      expect(c!.tokens).toEqual(im.tasks.find((t) => t.task === "<CAPTION>")!.greedy[0]!.ids);
    } finally {
      await captioner.release();
    }
  });

  it("rejects what Florence-2 cannot answer, naming the argument", () => {
    const image = fx.image(ref.images[0]!.file);
    expect(() => fx.model.prepare({ kind: "question", images: [image], question: "why?" }, 2)).toThrow(
      /request 2: a florence2 model does not answer "question"/,
    );
    expect(() => fx.model.prepare({ kind: "task", images: [image], task: "<NOPE>" }, 0)).toThrow(
      /unknown Florence-2 task/,
    );
    expect(() => fx.model.prepare({ kind: "task", images: [image, image], task: "<OD>" }, 1)).toThrow(
      /takes 1 image per prompt, got 2/,
    );
    expect(() =>
      fx.model.prepare({ kind: "task", images: [image], task: "<CAPTION_TO_PHRASE_GROUNDING>" }, 0),
    ).toThrow(/needs a text input/);
    const long = {
      kind: "task",
      images: [image],
      task: "<CAPTION_TO_PHRASE_GROUNDING>",
      text: "a cat ".repeat(60),
    } as const;
    expect(() => fx.model.prepare(long, 3)).toThrow(
      /request 3: the prompt takes \d+ encoder positions .* more than the model's 96/,
    );
  });

  it("names the missing graph of an incomplete Florence-2 folder", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "clipkit-florence2-"));
    try {
      mkdirSync(join(tmp, "onnx"));
      for (const f of ["config.json", "processor_config.json", "tokenizer.json", "tokenizer_config.json"])
        copyFileSync(join(dir, f), join(tmp, f));
      for (const f of ["vision_encoder", "embed_tokens", "decoder_model_merged"])
        copyFileSync(join(dir, "onnx", `${f}.onnx`), join(tmp, "onnx", `${f}.onnx`));
      const error = await loadVlmModel({ backend: nodeBackend(), files: nodeFiles(tmp) }).catch(
        (e: unknown) => e,
      );
      expect(isClipkitError(error, "MODEL_FILE_MISSING")).toBe(true);
      expect((error as Error).message).toMatch(/florence2 model without onnx\/encoder_model\.onnx/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
