import { join } from "node:path";
import {
  type GenerationOptions,
  loadVlmModel,
  preprocessBatch,
  type RawImage,
  runVlm,
  tensor,
  type VlmModel,
} from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeFiles } from "../files/index.js";
import { decodeImage } from "../image/index.js";
import { nodeBackend } from "../session/index.js";
import { expectSequences, type LlavaRef, llavaDir, maxDiff, readRef, toOptions } from "./golden-cases.js";
import { loadVqa } from "./load.js";

const ref = readRef<LlavaRef>(llavaDir);

// Most checks feed the ids LlavaProcessor produced (image token collapsed to one placeholder), so
// they are about generation alone; one checks clipkit's own tokenization of the prompts too.
describe("LLaVA (tiny LlavaForConditionalGeneration fixture) against transformers", () => {
  let model: VlmModel;
  const images = new Map<string, RawImage>();
  beforeAll(async () => {
    model = await loadVlmModel({ backend: nodeBackend({ intraOpThreads: 1 }), files: nodeFiles(llavaDir) });
    for (const im of ref.images) images.set(im.file, await decodeImage(join(llavaDir, im.file)));
  });
  afterAll(async () => {
    await model?.release();
  });
  const run = (file: string, prompt: readonly number[], o: GenerationOptions) =>
    runVlm(model, [images.get(file)!], [prompt], o).then((r) => r[0]!);

  it("preprocesses like CLIPImageProcessor and runs the three graphs to transformers' logits", async () => {
    expect(model.layout).toBe("llava");
    for (const im of ref.images) {
      const batch = preprocessBatch([images.get(im.file)!], model.preprocess);
      expect(maxDiff(batch.data, im.pixel_values), im.file).toBeLessThan(1e-6);
      for (const [prompt, p] of Object.entries(im.prompts)) {
        // clipkit feeds one placeholder; transformers' processor repeats it per image feature.
        expect(model.promptPositions(p.prompt_ids), prompt).toBe(p.input_ids.length);
        const lm = await model.start(tensor("float32", batch.data, batch.dims), [p.prompt_ids], true);
        const { logits } = await lm.next(null);
        expect(maxDiff(logits, p.last_logits), `${im.file} ${prompt}`).toBeLessThan(1e-4);
      }
    }
  });

  it("generates transformers' generate() ids token for token, every prompt and case", async () => {
    let exact = 0;
    for (const im of ref.images) {
      for (const [prompt, p] of Object.entries(im.prompts)) {
        expectSequences((await run(im.file, p.prompt_ids, {})).sequences, p.greedy, `${im.file} ${prompt}`);
        const beam = await run(im.file, p.prompt_ids, { numBeams: 3 });
        expectSequences(beam.sequences, p.beam3, `${im.file} ${prompt} beam3`);
        exact += 2;
      }
      const caption = im.prompts[ref.caption_prompt]!.prompt_ids;
      for (const c of ref.cases) {
        expectSequences((await run(im.file, caption, toOptions(c))).sequences, im.results[c.name]!, c.name);
        exact++;
      }
    }
    expect(exact).toBe(
      ref.images.length * (2 * Object.keys(ref.images[0]!.prompts).length + ref.cases.length),
    );
  });

  it("tokenizes prompts as LlavaProcessor does (Llama SentencePiece BPE, BOS once) and answers as generate()", async () => {
    for (const [prompt, p] of Object.entries(ref.images[0]!.prompts)) {
      const ids = model.promptIds(prompt === ref.caption_prompt ? undefined : prompt);
      expect(ids, prompt).toEqual(p.prompt_ids);
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
        const plain = await run(im.file, p.prompt_ids, { numBeams, useCache: false });
        expectSequences(plain.sequences, numBeams === 1 ? p.greedy : p.beam3, `${im.file} no cache`);
      }
    }
  });

  it("left-pads prompts of different lengths in one batch, as sequential runs", async () => {
    const im = ref.images[1]!;
    const prompts = Object.values(im.prompts);
    expect(new Set(prompts.map((p) => p.prompt_ids.length)).size).toBeGreaterThan(1);
    const image = images.get(im.file)!;
    const many = await runVlm(
      model,
      prompts.map(() => image),
      prompts.map((p) => p.prompt_ids),
      { maxNewTokens: 12 },
    );
    for (const [i, p] of prompts.entries()) {
      const single = await run(im.file, p.prompt_ids, { maxNewTokens: 12 });
      expect(many[i]!.tokens).toEqual(single.tokens);
    }
    const all = ref.images.map((x) => images.get(x.file)!);
    const caption = ref.images[0]!.prompts[ref.caption_prompt]!.prompt_ids;
    const batch = await runVlm(
      model,
      all,
      all.map(() => caption),
      { numBeams: 2 },
    );
    for (const [i, x] of ref.images.entries()) {
      expect(batch[i]!.tokens).toEqual((await run(x.file, caption, { numBeams: 2 })).tokens);
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
          const [r] = await runVlm(variant, [images.get(im.file)!], [p.prompt_ids], {});
          if (JSON.stringify(r!.tokens) === JSON.stringify(p.greedy[0]!.ids)) same++;
        }
        expect(same, dtype).toBe(ref.images.length);
      } finally {
        await variant.release();
      }
    }
  });
});
