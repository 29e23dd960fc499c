/**
 * Shared test blocks of the generative fixtures whose reference.json the tools/fixtures
 * generators wrote from transformers (tiny-qwen2vl, tiny-smolvlm, tiny-paligemma): the loaded model with its reference images, and
 * the checks against transformers' generate() every such family makes. A test file calls these
 * inside its `describe` and adds what is its family's own (processor outputs, prompt format).
 */
import { join } from "node:path";
import {
  type ChatContent,
  type ChatMessage,
  loadVlmModel,
  type RawImage,
  runVlm,
  type VlmModel,
  type VlmRequest,
  vlmFrom,
} from "@clipkit/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { nodeFiles } from "../files/index.js";
import { decodeImage } from "../image/index.js";
import { nodeBackend } from "../session/index.js";
import { expectSequences, type RefSeq } from "./golden-cases.js";

/** One request of a fixture's reference.json: its images by name, the processor's ids, generate()'s ids. */
export interface GoldenRequest {
  readonly id: string;
  readonly images: readonly string[];
  readonly input_ids: readonly number[];
  readonly greedy: RefSeq[];
  readonly beam3: RefSeq[];
}

/** What every generative fixture's reference.json holds. */
export interface GoldenRef<R extends GoldenRequest> {
  /** Image name → file in the fixture folder. */
  readonly images: Readonly<Record<string, string>>;
  readonly max_new_tokens: number;
  readonly requests: readonly R[];
  /** Requests run as one left-padded batch, and its greedy ids. */
  readonly batch: { readonly requests: readonly string[]; readonly greedy: number[][] };
}

/** A request of a chat-template fixture: the messages its processor's apply_chat_template rendered. */
export interface ChatGoldenRequest extends GoldenRequest {
  readonly messages: ChatMessage[];
}

/** A fixture loaded for a describe block. */
export interface VlmFixture {
  readonly model: VlmModel;
  /** A reference image, decoded (fails the test when the reference has no such name). */
  image(name: string): RawImage;
}

/**
 * Loads `dir` (one intra-op thread) and decodes its reference images (`images`: name → file under
 * `base`, default `dir`) before the enclosing describe's tests, and releases the model after them.
 */
export function useVlmFixture(dir: string, images: Readonly<Record<string, string>>, base = dir): VlmFixture {
  let model: VlmModel | undefined;
  const decoded = new Map<string, RawImage>();
  beforeAll(async () => {
    model = await loadVlmModel({ backend: nodeBackend({ intraOpThreads: 1 }), files: nodeFiles(dir) });
    for (const [name, file] of Object.entries(images)) decoded.set(name, await decodeImage(join(base, file)));
  });
  afterAll(async () => {
    await model?.release();
  });
  return {
    get model(): VlmModel {
      if (model === undefined) throw new Error(`${dir} is not loaded`);
      return model;
    },
    image(name) {
      const image = decoded.get(name);
      if (image === undefined) throw new Error(`${dir}: no reference image ${name}`);
      return image;
    },
  };
}

/**
 * Registers the generation checks: every request token for token (greedy and beam 3, KV cache),
 * the last two greedy without the cache, and the reference batch left-padded in one call.
 * `request` turns a reference request into clipkit's; `detail` goes into the first test's name.
 */
export function generationGoldenTests<R extends GoldenRequest>(
  fx: VlmFixture,
  ref: GoldenRef<R>,
  request: (r: R) => VlmRequest,
  detail = "",
): void {
  const one = (r: R, numBeams: number, useCache = true) =>
    runVlm(fx.model, [request(r)], { numBeams, maxNewTokens: ref.max_new_tokens, useCache }).then(
      (x) => x[0]!,
    );

  it(`generates transformers' generate() ids token for token (greedy and beam 3${detail}, KV cache)`, async () => {
    let exact = 0;
    for (const r of ref.requests) {
      expectSequences((await one(r, 1)).sequences, r.greedy, `${r.id} greedy`);
      expectSequences((await one(r, 3)).sequences, r.beam3, `${r.id} beam3`);
      exact += 2;
    }
    expect(exact).toBe(2 * ref.requests.length);
  });

  it("gives the same tokens without the KV cache", async () => {
    for (const r of ref.requests.slice(-2)) {
      expectSequences((await one(r, 1, false)).sequences, r.greedy, `${r.id} no cache`);
    }
  });

  it("batches prompts of different lengths with left padding as transformers does", async () => {
    const reqs = ref.batch.requests.map((id) => request(ref.requests.find((r) => r.id === id)!));
    const got = await runVlm(fx.model, reqs, { maxNewTokens: ref.max_new_tokens });
    expect(got.map((g) => g.tokens)).toEqual(ref.batch.greedy);
  });
}

/** A leading system turn's text (a string or one text part), as the request's `system`. */
function systemText(m: ChatMessage | undefined): string | undefined {
  if (m?.role !== "system") return undefined;
  if (typeof m.content === "string") return m.content;
  const [first] = m.content;
  return m.content.length === 1 && first?.type === "text" ? first.text : undefined;
}

/**
 * The reference's messages as a chat request: a leading system turn becomes `system` (the
 * references were rendered with it as the first message), the images in order by name.
 */
export function chatOf(fx: VlmFixture, r: ChatGoldenRequest): Extract<VlmRequest, { kind: "chat" }> {
  const [first, ...rest] = r.messages;
  const system = systemText(first);
  return {
    kind: "chat",
    images: r.images.map((n) => fx.image(n)),
    messages: system === undefined ? r.messages : rest,
    ...(system === undefined ? {} : { system }),
  };
}

/**
 * Registers what every chat-template family (Qwen2-VL, SmolVLM) is checked for beyond its
 * processor: caption and question requests rendered as the `<image>:describe` chat, the
 * generation checks, a chat whose image parts carry their pixels (as `clipkit ask --image A
 * --image B` sends it) answered as the `two-images` reference, and `PROMPT_INVALID` for image
 * counts that do not match the image parts and for task requests.
 */
export function chatFamilyGoldenTests(fx: VlmFixture, ref: GoldenRef<ChatGoldenRequest>): void {
  it("builds the caption and question prompts as the chat template does", () => {
    const describe = ref.requests.find((r) => r.id.endsWith(":describe"))!;
    const image = fx.image(describe.images[0]!);
    expect(fx.model.prepare({ kind: "caption", images: [image] }, 0).ids).toEqual(describe.input_ids);
    expect(
      fx.model.prepare({ kind: "question", images: [image], question: "Describe the image." }, 0).ids,
    ).toEqual(describe.input_ids);
  });

  generationGoldenTests(fx, ref, (r) => chatOf(fx, r));

  it("answers a chat whose image parts carry their pixels (createVlm's chat) as transformers does", async () => {
    const r = ref.requests.find((x) => x.id === "two-images")!;
    const pixels = r.images.map((n) => fx.image(n));
    let next = 0;
    const messages = r.messages.map((m) =>
      typeof m.content === "string"
        ? m
        : {
            ...m,
            content: m.content.map(
              (p): ChatContent => (p.type === "image" ? { type: "image", image: pixels[next++]! } : p),
            ),
          },
    );
    expect(next).toBe(pixels.length);
    const got = await vlmFrom(fx.model).chat(messages, [], { numBeams: 1, maxNewTokens: ref.max_new_tokens });
    expectSequences(got.sequences, r.greedy, `${r.id} inline images`);
  });

  it("rejects image counts that do not match the image parts, and task requests", () => {
    const r = ref.requests.find((x) => x.id === "two-images")!;
    const image = fx.image(r.images[0]!);
    expect(() => fx.model.prepare({ ...chatOf(fx, r), images: [image] }, 3)).toThrow(
      expect.objectContaining({ code: "PROMPT_INVALID" }),
    );
    expect(() => fx.model.prepare({ kind: "task", images: [image], task: "<OD>" }, 0)).toThrow(
      expect.objectContaining({ code: "PROMPT_INVALID" }),
    );
  });
}
