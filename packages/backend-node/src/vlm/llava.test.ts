import { join } from "node:path";
import { type GenerationOptions, loadVlmModel, type PixelData, runVlm, type VlmRequest } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { nodeFiles } from "../files/index.js";
import { nodeBackend } from "../session/index.js";
import { expectSequences, type LlavaRef, llavaDir, maxDiff, readRef, toOptions } from "./golden-cases.js";
import { useVlmFixture } from "./golden-suite.js";
import { loadVqa } from "./load.js";

const ref = readRef<LlavaRef>(llavaDir);

// Prompts go through clipkit's own processing (chat template, LlavaProcessor's <image>
// expansion, Llama tokenizer); one check compares those ids with LlavaProcessor's input_ids.
describe("LLaVA (tiny LlavaForConditionalGeneration fixture) against transformers", () => {
  const fx = useVlmFixture(llavaDir, Object.fromEntries(ref.images.map((im) => [im.file, im.file])));
  // Every reference prompt is asked as a question (the caption prompt included): the test below
  // checks clipkit tokenizes each to the ids LlavaProcessor produced.
  const request = (file: string, prompt: string): VlmRequest => ({
    kind: "question",
    images: [fx.image(file)],
    question: prompt,
  });
  const run = (file: string, prompt: string, o: GenerationOptions) =>
    runVlm(fx.model, [request(file, prompt)], o).then((r) => r[0]!);

  it("preprocesses like CLIPImageProcessor and runs the three graphs to transformers' logits", async () => {
    expect(fx.model.family).toBe("llava");
    for (const im of ref.images) {
      for (const [prompt, p] of Object.entries(im.prompts)) {
        const prepared = fx.model.prepare(request(im.file, prompt), 0);
        expect(maxDiff((prepared.data as PixelData).pixels, im.pixel_values), im.file).toBeLessThan(1e-6);
        // As LlavaProcessor: <image> repeated once per image feature row.
        expect(prepared.positions, prompt).toBe(p.input_ids.length);
        const lm = await fx.model.start([prepared], true);
        const { logits } = await lm.next(null);
        expect(maxDiff(logits, p.last_logits), `${im.file} ${prompt}`).toBeLessThan(1e-4);
      }
    }
  });

  it("generates transformers' generate() ids token for token, every prompt and case", async () => {
    let exact = 0;
    for (const im of ref.images) {
      for (const [prompt, p] of Object.entries(im.prompts)) {
        expectSequences((await run(im.file, prompt, {})).sequences, p.greedy, `${im.file} ${prompt}`);
        const beam = await run(im.file, prompt, { numBeams: 3 });
        expectSequences(beam.sequences, p.beam3, `${im.file} ${prompt} beam3`);
        exact += 2;
      }
      for (const c of ref.cases) {
        const [r] = await runVlm(fx.model, [{ kind: "caption", images: [fx.image(im.file)] }], toOptions(c));
        expectSequences(r!.sequences, im.results[c.name]!, c.name);
        exact++;
      }
    }
    expect(exact).toBe(
      ref.images.length * (2 * Object.keys(ref.images[0]!.prompts).length + ref.cases.length),
    );
  });

  it("tokenizes prompts as LlavaProcessor does (Llama SentencePiece BPE, BOS once) and answers as generate()", async () => {
    for (const [prompt, p] of Object.entries(ref.images[0]!.prompts)) {
      const ids = fx.model.prepare(request(ref.images[0]!.file, prompt), 0).ids;
      expect(ids, prompt).toEqual(p.input_ids);
    }
    const vqa = await loadVqa(llavaDir, { backend: { intraOpThreads: 1 } });
    try {
      for (const im of ref.images.slice(0, 2)) {
        for (const [prompt, p] of Object.entries(im.prompts)) {
          if (prompt === ref.caption_prompt) continue;
          const answer = await vqa.ask(join(llavaDir, im.file), prompt);
          expectSequences(answer.sequences, p.greedy, `${im.file} ${prompt} via ask`);
        }
      }
    } finally {
      await vqa.release();
    }
  });

  it("gives the same ids without the KV cache", async () => {
    for (const im of ref.images.slice(0, 3)) {
      const p = im.prompts[ref.caption_prompt]!;
      for (const numBeams of [1, 3]) {
        const plain = await run(im.file, ref.caption_prompt, { numBeams, useCache: false });
        expectSequences(plain.sequences, numBeams === 1 ? p.greedy : p.beam3, `${im.file} no cache`);
      }
    }
  });

  it("left-pads prompts of different lengths in one batch, as sequential runs", async () => {
    const im = ref.images[1]!;
    const prompts = Object.keys(im.prompts);
    expect(new Set(Object.values(im.prompts).map((p) => p.input_ids.length)).size).toBeGreaterThan(1);
    const many = await runVlm(
      fx.model,
      prompts.map((p) => request(im.file, p)),
      { maxNewTokens: 12 },
    );
    for (const [i, p] of prompts.entries()) {
      const single = await run(im.file, p, { maxNewTokens: 12 });
      expect(many[i]!.tokens).toEqual(single.tokens);
    }
    const batch = await runVlm(
      fx.model,
      ref.images.map((x) => request(x.file, ref.caption_prompt)),
      { numBeams: 2 },
    );
    for (const [i, x] of ref.images.entries()) {
      expect(batch[i]!.tokens).toEqual((await run(x.file, ref.caption_prompt, { numBeams: 2 })).tokens);
    }
  });

  it("the _quantized and _fp16 exports (dtype) give transformers' fp32 greedy ids", async () => {
    for (const dtype of ["quantized", "fp16"] as const) {
      const variant = await loadVlmModel({
        backend: nodeBackend({ intraOpThreads: 1 }),
        files: nodeFiles(llavaDir),
        dtype,
      });
      try {
        let same = 0;
        for (const im of ref.images) {
          const p = im.prompts[ref.caption_prompt]!;
          const [r] = await runVlm(variant, [request(im.file, ref.caption_prompt)], {});
          if (JSON.stringify(r!.tokens) === JSON.stringify(p.greedy[0]!.ids)) same++;
        }
        expect(same, dtype).toBe(ref.images.length);
      } finally {
        await variant.release();
      }
    }
  });
});
