import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ClipkitError, loadVlmModel, openVlmFolder, runVlm, type VlmModel } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeFiles } from "../files/index.js";
import { loadClipModel } from "../model/load.js";
import { nodeBackend } from "../session/index.js";
import { fixtures } from "./golden-cases.js";
import { loadCaptioner, type NodeCaptioner } from "./load.js";

const dir = join(fixtures, "tiny-coca");
const repo = join(fixtures, "..", "..");

/** tools/fixtures/coca/caption.py: open_clip's own `CoCa.generate(generation_type="top_k", top_k=1)`. */
interface CocaRef {
  seq_len: number;
  min_seq_len: number;
  sot_token_id: number;
  eos_token_id: number;
  pad_token_id: number;
  images: { file: string; ids: number[] }[];
}
const ref = JSON.parse(readFileSync(join(fixtures, "tiny-coca.caption.json"), "utf8")) as CocaRef;

describe("CoCa captioning against open_clip's generate (greedy)", () => {
  let captioner: NodeCaptioner;
  beforeAll(async () => {
    captioner = await loadCaptioner(dir, { backend: { intraOpThreads: 1 } });
  });
  afterAll(() => captioner.release());

  it("loads as the coca family", () => {
    expect(captioner.family).toBe("coca");
  });

  it.each(ref.images.map((im) => [im.file, im.ids] as const))(
    "%s: token-exact greedy ids",
    async (file, ids) => {
      const [result] = await captioner.caption([join(repo, file)]);
      // open_clip returns [SOT, …, EOS]; clipkit returns the generated ids with EOS.
      expect([ref.sot_token_id, ...result!.tokens]).toEqual(ids);
    },
  );

  it("batches: several images at once give each one's greedy ids", async () => {
    const results = await captioner.caption(ref.images.map((im) => join(repo, im.file)));
    expect(results.map((r) => [ref.sot_token_id, ...r.tokens])).toEqual(ref.images.map((im) => im.ids));
  });

  it("forces EOS as token seq_len and caps shorter runs with maxNewTokens", async () => {
    const [full] = await captioner.caption([join(repo, ref.images[0]!.file)], { maxNewTokens: 60 });
    expect(full!.tokens).toHaveLength(ref.seq_len - 1);
    expect(full!.tokens.at(-1)).toBe(ref.eos_token_id);
    const [short] = await captioner.caption([join(repo, ref.images[0]!.file)], { maxNewTokens: 6 });
    expect(short!.tokens).toEqual(ref.images[0]!.ids.slice(1, 7));
  });
});

describe("CoCa folder", () => {
  let model: VlmModel;
  beforeAll(async () => {
    model = await loadVlmModel({ backend: nodeBackend({ intraOpThreads: 1 }), files: nodeFiles(dir) });
  });
  afterAll(() => model.release());

  it("answers captions only, without a prompt", async () => {
    expect(model.kinds).toEqual(["caption"]);
    // open_clip generate's defaults: seq_len 30 (SOT included), EOS blocked below min_seq_len 5.
    expect(model.defaults.maxNewTokens).toBe(ref.seq_len - 1);
    expect(model.defaults.extra?.minNewTokens).toBe(ref.min_seq_len - 1);
    expect(model.defaults.eosTokenIds).toEqual([ref.eos_token_id]);
    const image = { data: new Uint8ClampedArray(4 * 4 * 3), width: 4, height: 4, channels: 3 as const };
    const err = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );
    const withPrompt = await err(runVlm(model, [{ kind: "caption", images: [image], prompt: "a" }]));
    expect(withPrompt).toBeInstanceOf(ClipkitError);
    expect((withPrompt as ClipkitError).code).toBe("PROMPT_INVALID");
    const question = await err(runVlm(model, [{ kind: "question", images: [image], question: "?" }]));
    expect((question as ClipkitError).code).toBe("PROMPT_INVALID");
  });

  it("keeps the config.json marker out of loadClipModel's way (still an open_clip folder)", async () => {
    const folder = await openVlmFolder(nodeFiles(dir));
    expect(folder.modelType).toBe("coca");
    const clip = await loadClipModel(dir);
    try {
      // open_clip's SimpleTokenizer pads with 0 (loadOpenClipTokenizer); model/open-clip.test.ts
      // checks tiny-coca's embeddings against open_clip with this config.json present.
      expect(clip.tokenizer.padTokenId).toBe(0);
    } finally {
      await clip.release();
    }
  });
});
