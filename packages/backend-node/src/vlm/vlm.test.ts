import { readFileSync } from "node:fs";
import { copyFile, cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isClipkitError, loadVlmModel, type PixelData, tensor, type VlmModel } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClipkitRejection } from "../../../core/src/testing.js";
import { nodeFiles } from "../files/index.js";
import { decodeImage } from "../image/index.js";
import { nodeBackend } from "../session/index.js";
import {
  type CaptionerRef,
  capDir,
  expectSequences,
  llavaDir,
  maxDiff,
  readRef,
  toOptions,
} from "./golden-cases.js";
import { loadCaptioner, loadVqa, type NodeCaptioner, type NodeVqa } from "./load.js";

const capRef = readRef<CaptionerRef>(capDir);
const imagePath = (file: string) => join(capDir, file);

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

  it("preprocesses the PNGs to transformers' ViTImageProcessor pixels and runs to its logits", async () => {
    const model: VlmModel = await loadVlmModel({
      backend: nodeBackend({ intraOpThreads: 1 }),
      files: nodeFiles(capDir),
    });
    try {
      for (const im of capRef.images) {
        const prepared = model.prepare(
          { kind: "caption", images: [await decodeImage(imagePath(im.file))] },
          0,
        );
        expect(maxDiff((prepared.data as PixelData).pixels, im.pixel_values), im.file).toBeLessThan(1e-6);
        expect(prepared.ids).toEqual([capRef.decoder_start_token_id]);
        const lm = await model.start([prepared], true);
        const { logits } = await lm.next(null);
        expect(maxDiff(logits, im.first_logits), `${im.file} logits`).toBeLessThan(1e-4);
      }
    } finally {
      await model.release();
    }
  });

  it("generates transformers' generate() ids token for token in every decoding case", async () => {
    expect(cap.family).toBe("encoder-decoder");
    let exact = 0;
    for (const im of capRef.images) {
      for (const c of capRef.cases) {
        const [result] = await cap.caption([imagePath(im.file)], toOptions(c));
        expectSequences(result!.sequences, im.results[c.name]!, `${im.file} ${c.name}`);
        exact++;
      }
    }
    expect(exact).toBe(capRef.images.length * capRef.cases.length);
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

  it("decodes and generates in chunks (batchSize / memoryBudget) with the same results and stream indices", async () => {
    const images = capRef.images.map((im) => imagePath(im.file));
    const many = [...images, ...images, ...images]; // 3 × the fixtures: several chunks
    const whole = await cap.caption(many);
    for (const options of [{ batchSize: 2 }, { memoryBudget: 1 }]) {
      const chunked = await loadCaptioner(capDir, { backend: { intraOpThreads: 1 }, ...options });
      const chunkedVqa = await loadVqa(capDir, { backend: { intraOpThreads: 1 }, ...options });
      try {
        const seen = new Map<number, number[]>();
        const out = await chunked.caption(many, {
          onChunk: (c) => seen.set(c.input, [...(seen.get(c.input) ?? []), c.token]),
        });
        expect(out.map((r) => r.tokens)).toEqual(whole.map((r) => r.tokens));
        expect([...seen.keys()].sort((a, b) => a - b)).toEqual(many.map((_, i) => i));
        for (const [i, r] of out.entries()) expect(seen.get(i)).toEqual(r.tokens);
        const qs = many.map((image) => ({ image, question: "what color is the shape?" }));
        const answers = await chunkedVqa.askMany(qs);
        expect(answers.map((r) => r.tokens)).toEqual((await vqa.askMany(qs)).map((r) => r.tokens));
      } finally {
        await chunked.release();
        await chunkedVqa.release();
      }
    }
  });

  it("answers questions with the question as decoder prefix, as generate() with decoder_input_ids", async () => {
    for (const im of capRef.images) {
      for (const [q, ref] of Object.entries(im.questions)) {
        const greedy = await vqa.ask(imagePath(im.file), q);
        expectSequences(greedy.sequences, ref.greedy, `${im.file} ${q}`);
        const beam = await vqa.ask(imagePath(im.file), q, { numBeams: 3 });
        expectSequences(beam.sequences, ref.beam3, `${im.file} ${q} beam`);
      }
    }
    const many = await vqa.askMany(
      Object.keys(capRef.images[0]!.questions).map((question) => ({
        image: imagePath(capRef.images[0]!.file),
        question,
      })),
    );
    expect(many.map((r) => r.tokens)).toEqual(
      Object.values(capRef.images[0]!.questions).map((r) => r.greedy[0]!.ids),
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
    await expectClipkitRejection(
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
    await expectClipkitRejection(stream.next(), "ABORTED");
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
    const [plain] = await cap.caption([imagePath(capRef.images[0]!.file)]);
    const before = plain!.text.slice(0, plain!.text.indexOf(" on"));
    expect(before.length).toBeGreaterThan(0);
    const [r] = await cap.caption([imagePath(capRef.images[0]!.file)], { stopStrings: [" on"] });
    expect(r!.text).toBe(before);
    // Beams finish a hypothesis at the stop string too (HF ≥ 4.50), rather than running on.
    const [beam] = await cap.caption([imagePath(capRef.images[0]!.file)], {
      numBeams: 3,
      stopStrings: [" on"],
    });
    expect(beam!.text).toBe(before);
    const [full] = await cap.caption([imagePath(capRef.images[0]!.file)], { numBeams: 3 });
    expect(beam!.sequences[0]!.tokens.length).toBeLessThan(full!.sequences[0]!.tokens.length);
  });

  it("rejects bad input with typed errors", async () => {
    await expectClipkitRejection(cap.caption([]), "INVALID_ARGUMENT");
    const missing = await cap.caption([join(capDir, "images/missing.png")]).catch((e: unknown) => e);
    expect(isClipkitError(missing)).toBe(true);
    await expectClipkitRejection(
      cap.caption([imagePath(capRef.images[0]!.file)], { maxNewTokens: 500 }),
      "PROMPT_INVALID",
    );
    await expectClipkitRejection(vqa.ask(imagePath(capRef.images[0]!.file), "  "), "PROMPT_INVALID");
    await expectClipkitRejection(
      cap.caption([imagePath(capRef.images[0]!.file)], { numBeams: 0 }),
      "INVALID_ARGUMENT",
    );
    await expectClipkitRejection(
      cap.caption([imagePath(capRef.images[0]!.file)], { numBeams: 2, numReturnSequences: 3 }),
      "INVALID_ARGUMENT",
    );
  });
});

describe("tiny-captioner _quantized and _fp16 exports (transformers.js quantize rules)", () => {
  it("load with dtype (If branches quantized / in float16) and give transformers' fp32 top sequences", async () => {
    for (const dtype of ["quantized", "fp16"] as const) {
      const variant = await loadCaptioner(capDir, { dtype, backend: { intraOpThreads: 1 } });
      try {
        for (const im of capRef.images) {
          for (const [name, numBeams] of [
            ["greedy", 1],
            ["beam3", 3],
          ] as const) {
            const [r] = await variant.caption([imagePath(im.file)], { maxNewTokens: 20, numBeams });
            expect(r!.tokens, `${dtype} ${im.file} ${name}`).toEqual(im.results[name]![0]!.ids);
          }
        }
      } finally {
        await variant.release();
      }
    }
  });

  it("names the missing variant file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "clipkit-cap-dtype-"));
    try {
      await cp(capDir, dir, { recursive: true });
      await rm(join(dir, "onnx/decoder_model_merged_fp16.onnx"));
      const e = await expectClipkitRejection(loadCaptioner(dir, { dtype: "fp16" }), "MODEL_FILE_MISSING");
      expect(e.message).toContain("decoder_model_merged_fp16.onnx");
      await expectClipkitRejection(loadCaptioner(dir, { dtype: "fp8" as never }), "INVALID_ARGUMENT");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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
    await expectClipkitRejection(loadCaptioner(dir), "MODEL_LAYOUT_UNSUPPORTED");
    await mkdir(join(dir, "onnx"));
    await copyFile(join(capDir, "onnx/encoder_model.onnx"), join(dir, "onnx/encoder_model.onnx"));
    const e = await expectClipkitRejection(loadCaptioner(dir), "MODEL_FILE_MISSING");
    expect(e.message).toContain("decoder_model_merged.onnx");
    await copyFile(join(llavaDir, "onnx/vision_encoder.onnx"), join(dir, "onnx/vision_encoder.onnx"));
    expect((await expectClipkitRejection(loadVqa(dir), "MODEL_FILE_MISSING")).message).toContain(
      "embed_tokens.onnx",
    );
  });
});

describe("tiny-captioner merged decoder: use_cache_branch semantics", () => {
  it("false ignores any past fed; true continues from it", async () => {
    const config = JSON.parse(readFileSync(join(capDir, "config.json"), "utf8")) as {
      encoder: { hidden_size: number; image_size: number; patch_size: number };
      decoder: { n_head: number; n_embd: number; n_layer: number; vocab_size: number };
    };
    const { n_head: heads, n_embd: width, n_layer: layers, vocab_size: vocab } = config.decoder;
    const headDim = width / heads;
    const encLength = (config.encoder.image_size / config.encoder.patch_size) ** 2 + 1;
    const session = await nodeBackend({ intraOpThreads: 1 }).createSession(
      readFileSync(join(capDir, "onnx/decoder_model_merged.onnx")),
    );
    const hidden = tensor(
      "float32",
      Float32Array.from({ length: encLength * config.encoder.hidden_size }, (_, i) => Math.sin(i)),
      [1, encLength, config.encoder.hidden_size],
    );
    const past = (len: number, fill: number) =>
      Object.fromEntries(
        Array.from({ length: layers }, (_, l) => l).flatMap((l) =>
          ["key", "value"].map((k) => [
            `past_key_values.${l}.${k}`,
            tensor("float32", new Float32Array(heads * len * headDim).fill(fill), [1, heads, len, headDim]),
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
    const ids = [capRef.decoder_start_token_id, ...capRef.images[0]!.results.greedy![0]!.ids.slice(0, 2)];
    const fresh = await run(ids, past(0, 0), false);
    const ignored = await run(ids, past(3, 7), false);
    expect([...(ignored.logits!.data as Float32Array)]).toEqual([...(fresh.logits!.data as Float32Array)]);
    const first = await run(ids.slice(0, 2), past(0, 0), false);
    const cached: Record<string, ReturnType<typeof tensor>> = {};
    for (let l = 0; l < layers; l++)
      for (const k of ["key", "value"])
        cached[`past_key_values.${l}.${k}`] = first[`present.${l}.${k}`] as never;
    const step = await run([ids[2]!], cached, true);
    const last = (fresh.logits!.data as Float32Array).slice(2 * vocab);
    expect(maxDiff(step.logits!.data as Float32Array, last)).toBeLessThan(1e-4);
    await session.release();
  });
});
