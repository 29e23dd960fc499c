import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ChatMessage,
  isClipkitError,
  loadVlmModel,
  type RawImage,
  readChatTemplate,
  renderChatTemplate,
  runVlm,
  type VlmModel,
  type VlmRequest,
} from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeFiles } from "../files/index.js";
import { decodeImage } from "../image/index.js";
import { nodeBackend } from "../session/index.js";
import type { NodeChatMessage } from "./chat.js";
import { capDir, expectSequences, llavaDir, type RefSeq } from "./golden-cases.js";
import { loadVqa } from "./load.js";
import { loadVlm, type NodeVlm } from "./vlm.js";

interface ChatCase {
  name: string;
  messages: ChatMessage[];
  images: string[];
  prompt: string;
  input_ids: number[];
  image_tokens_per_image: number;
  greedy: RefSeq[];
  beam3: RefSeq[];
  beam3_transformers: RefSeq[];
  text: string;
}
const ref = JSON.parse(readFileSync(join(llavaDir, "reference-chat.json"), "utf8")) as {
  image_token_id: number;
  cases: ChatCase[];
};

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

// reference-chat.json: LlavaProcessor.apply_chat_template + processor(images, text) + generate(),
// for one image, two images, a system turn and two turns (tools/fixtures/vlm/llava_chat.py).
describe("LLaVA chat (messages API) against transformers", () => {
  let model: VlmModel;
  let vlm: NodeVlm;
  const pixels = new Map<string, RawImage>();
  beforeAll(async () => {
    model = await loadVlmModel({ backend: nodeBackend({ intraOpThreads: 1 }), files: nodeFiles(llavaDir) });
    vlm = await loadVlm(llavaDir, { backend: { intraOpThreads: 1 } });
    for (const c of ref.cases) {
      for (const f of c.images) pixels.set(f, await decodeImage(join(llavaDir, f)));
    }
  });
  afterAll(async () => {
    await model?.release();
    await vlm?.release();
  });
  const request = (c: ChatCase): VlmRequest => ({
    kind: "chat",
    images: c.images.map((f) => pixels.get(f)!),
    messages: c.messages,
  });

  it("renders the folder's chat_template.jinja and expands <image> as LlavaProcessor does", async () => {
    const template = await readChatTemplate(nodeFiles(llavaDir));
    expect(template?.file).toMatch(/chat_template\.jinja$/);
    for (const c of ref.cases) {
      expect(renderChatTemplate(template!, c.messages), c.name).toBe(c.prompt);
      expect(model.prepare(request(c), 0).ids, c.name).toEqual(c.input_ids);
      expect(c.image_tokens_per_image).toBe(16);
    }
    expect(new Set(ref.cases.map((c) => c.images.length))).toEqual(new Set([1, 2]));
  });

  it("generates transformers' ids, greedy and beam 3, through loadVlm().chat with image paths", async () => {
    let exact = 0;
    for (const c of ref.cases) {
      // Image parts without an image take the `images` argument in order.
      const greedy = await vlm.chat(
        c.messages as NodeChatMessage[],
        c.images.map((f) => join(llavaDir, f)),
        { maxNewTokens: 20 },
      );
      expectSequences(greedy.sequences, c.greedy, `${c.name} greedy`);
      expect(greedy.text.trim()).toBe(c.text);
      const beam = await vlm.chat(
        c.messages as NodeChatMessage[],
        c.images.map((f) => join(llavaDir, f)),
        { maxNewTokens: 20, numBeams: 3, numReturnSequences: 2 },
      );
      // beam3: each prompt's images kept together per beam (see llava_chat.py: transformers 5.17
      // itself hands the beams of a two-image prompt mixed images; equal for one image).
      expectSequences(beam.sequences, c.beam3, `${c.name} beam3`);
      if (c.images.length === 1) expect(c.beam3_transformers).toEqual(c.beam3);
      exact += 2;
    }
    expect(exact).toBe(2 * ref.cases.length);
  });

  it("takes images inside the parts, a system option, and streams the same text", async () => {
    const two = ref.cases.find((c) => c.name === "two images")!;
    const inline: NodeChatMessage[] = [
      {
        role: "user",
        content: [
          { type: "image", image: join(llavaDir, two.images[0]!) },
          { type: "image", image: readFileSync(join(llavaDir, two.images[1]!)) },
          { type: "text", text: "Describe the image." },
        ],
      },
    ];
    expect((await vlm.chat(inline, [], { maxNewTokens: 20 })).tokens).toEqual(two.greedy[0]!.ids);
    let streamed = "";
    for await (const chunk of vlm.chatStream(inline, [], { maxNewTokens: 20 })) streamed += chunk.text;
    expect(streamed.trim()).toBe(two.text);

    const sys = ref.cases.find((c) => c.name === "system")!;
    const withOption = await vlm.chat(
      sys.messages.slice(1) as NodeChatMessage[],
      sys.images.map((f) => join(llavaDir, f)),
      { system: "Answer briefly.", maxNewTokens: 20 },
    );
    expect(withOption.tokens).toEqual(sys.greedy[0]!.ids);
  });

  it("batches chats with different image counts (left-padded) as sequential runs, with and without cache", async () => {
    const requests = ref.cases.map(request);
    const batch = await runVlm(model, requests, { maxNewTokens: 20 });
    for (const [i, c] of ref.cases.entries()) expect(batch[i]!.tokens, c.name).toEqual(c.greedy[0]!.ids);
    const plain = await runVlm(model, requests.slice(0, 2), {
      maxNewTokens: 20,
      numBeams: 3,
      useCache: false,
    });
    for (const [i, c] of ref.cases.slice(0, 2).entries()) expect(plain[i]!.tokens).toEqual(c.beam3[0]!.ids);
  });

  it("asks about several images and reports mismatched images, other kinds and other families", async () => {
    const two = ref.cases.find((c) => c.name === "two images")!;
    const asked = await vlm.ask(
      two.images.map((f) => join(llavaDir, f)),
      "Describe the image.",
      { maxNewTokens: 20 },
    );
    expect(asked.tokens).toEqual(two.greedy[0]!.ids);
    const msgs: NodeChatMessage[] = [
      { role: "user", content: [{ type: "image" }, { type: "text", text: "Hi" }] },
    ];
    for (const images of [[], [join(llavaDir, two.images[0]!), join(llavaDir, two.images[1]!)]]) {
      expect(isClipkitError(await rejection(vlm.chat(msgs, images)), "PROMPT_INVALID")).toBe(true);
    }
    const bad = await rejection(vlm.task([join(llavaDir, two.images[0]!)], "<OD>"));
    expect(isClipkitError(bad, "PROMPT_INVALID")).toBe(true);
    expect((bad as Error).message).toMatch(/llava model has no tasks/);
    expect(vlm.kinds).toEqual(["caption", "question", "chat"]);

    const encDec = await loadVqa(capDir, { backend: { intraOpThreads: 1 } });
    try {
      const e = await rejection(encDec.chat([{ role: "user", content: [{ type: "text", text: "hi" }] }]));
      expect(isClipkitError(e, "PROMPT_INVALID")).toBe(true);
      expect((e as Error).message).toMatch(/encoder-decoder/);
    } finally {
      await encDec.release();
    }
  });
});
