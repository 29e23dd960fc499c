/**
 * Chat templates: the Jinja `chat_template` a model folder ships, rendered with
 * `@huggingface/jinja` the way transformers' `apply_chat_template(..., tokenize=False)` does
 * (`render_jinja_template`: `messages`, `add_generation_prompt`, the tokenizer's special-token
 * strings as variables, `raise_exception`; trim_blocks + lstrip_blocks).
 */
import { Template } from "@huggingface/jinja";
import type { ModelFiles } from "../backend/session.js";
import { ClipkitError, wrapError } from "../errors.js";
import type { RawImage } from "../image/types.js";
import type { ChatContent, ChatMessage } from "./family.js";

/**
 * A parsed template, ready to render. Declared here rather than re-exporting @huggingface/jinja's
 * `Template` so clipkit's published types never pull in that package's .d.ts (it does not
 * type-check under `moduleResolution: nodenext`).
 */
export interface CompiledTemplate {
  render(variables: Record<string, unknown>): string;
}

/** A compiled chat template and where it came from. */
export interface ChatTemplate {
  /** The file it was read from (for errors), e.g. `dir/chat_template.jinja`. */
  readonly file: string;
  /** The Jinja source. */
  readonly source: string;
  /** `bos_token`, `eos_token`, `unk_token`, `pad_token`… as strings (transformers' `special_tokens_map`). */
  readonly specialTokens: Readonly<Record<string, string>>;
  /** The parsed template (parse once, render many times). */
  readonly compiled: CompiledTemplate;
}

/** Options of {@link renderChatTemplate}. */
export interface RenderChatOptions {
  /** Ends the prompt with the assistant header (transformers' `add_generation_prompt`, default true). */
  addGenerationPrompt?: boolean;
  /** Extra template variables (e.g. Qwen2-VL's `add_vision_id`); they override the special tokens. */
  variables?: Readonly<Record<string, unknown>>;
}

const SPECIAL_KEYS = [
  "bos_token",
  "eos_token",
  "unk_token",
  "pad_token",
  "sep_token",
  "cls_token",
  "mask_token",
];

/** A `tokenizer_config.json` special-token entry: a string or an AddedToken dict. */
function tokenString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  const content = (v as { content?: unknown } | null)?.content;
  return typeof content === "string" ? content : undefined;
}

/** The special-token strings transformers passes to every chat template. */
export function specialTokensFrom(tokenizerConfig: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const cfg = typeof tokenizerConfig === "object" && tokenizerConfig !== null ? tokenizerConfig : {};
  for (const k of SPECIAL_KEYS) {
    const s = tokenString((cfg as Record<string, unknown>)[k]);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/**
 * Parses `source` once. Throws `MODEL_CONFIG_INVALID` naming `file` when it is not a template
 * @huggingface/jinja can parse.
 */
export function compileChatTemplate(
  source: string,
  file: string,
  specialTokens: Readonly<Record<string, string>> = {},
): ChatTemplate {
  if (typeof source !== "string" || source === "") {
    throw new ClipkitError("MODEL_CONFIG_INVALID", `${file}: chat_template must be a non-empty string`, {
      details: { file },
    });
  }
  try {
    return { file, source, specialTokens, compiled: new Template(source) };
  } catch (cause) {
    throw new ClipkitError(
      "MODEL_CONFIG_INVALID",
      `${file}: chat_template does not parse: ${(cause as Error).message}`,
      { cause, details: { file } },
    );
  }
}

/** transformers' `chat_template` value: a string or a list of `{ name, template }` (the "default" one wins). */
function pickTemplate(value: unknown, file: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const named = value as { name?: unknown; template?: unknown }[];
    const chosen = named.find((t) => t?.name === "default") ?? (named.length === 1 ? named[0] : undefined);
    if (typeof chosen?.template === "string") return chosen.template;
  }
  throw new ClipkitError(
    "MODEL_CONFIG_INVALID",
    `${file}: chat_template must be a string or a list with a "default" entry`,
    { details: { file } },
  );
}

async function readJsonObject(files: ModelFiles, path: string): Promise<Record<string, unknown> | undefined> {
  if (!(await files.exists(path))) return undefined;
  const file = `${files.location}/${path}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await files.readText(path));
  } catch (cause) {
    throw wrapError(cause, "MODEL_CONFIG_INVALID", `${file} is not valid JSON`, { file });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ClipkitError("MODEL_CONFIG_INVALID", `${file}: expected a JSON object`, { details: { file } });
  }
  return parsed as Record<string, unknown>;
}

/**
 * Reads a folder's chat template where transformers looks for it: `chat_template.jinja`
 * (transformers ≥ 4.51 `save_pretrained`), `chat_template.json` (the processor template of
 * llava-hf, Qwen2-VL, Idefics3… repos), then `tokenizer_config.json`'s `chat_template`.
 * Returns undefined when the folder has none (e.g. PaliGemma, encoder-decoder captioners).
 */
export async function readChatTemplate(files: ModelFiles): Promise<ChatTemplate | undefined> {
  const tokenizerConfig = await readJsonObject(files, "tokenizer_config.json");
  const special = specialTokensFrom(tokenizerConfig);
  if (await files.exists("chat_template.jinja")) {
    return compileChatTemplate(
      await files.readText("chat_template.jinja"),
      `${files.location}/chat_template.jinja`,
      special,
    );
  }
  for (const [path, json] of [
    ["chat_template.json", await readJsonObject(files, "chat_template.json")],
    ["tokenizer_config.json", tokenizerConfig],
  ] as const) {
    const file = `${files.location}/${path}`;
    const source = pickTemplate(json?.chat_template, file);
    if (source !== undefined) return compileChatTemplate(source, file, special);
  }
  return undefined;
}

/** What the template sees of a content part: images as `{type: "image"}` (pixels stay out of Jinja). */
function templatePart(part: ChatContent): Record<string, unknown> {
  return part.type === "image" ? { type: "image" } : { type: "text", text: part.text };
}

/** The messages as plain objects for Jinja; checks roles and parts, naming `messages[i]` at fault. */
export function templateMessages(messages: readonly ChatMessage[]): Record<string, unknown>[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new ClipkitError("PROMPT_INVALID", "messages must be a non-empty array", {
      details: { argument: "messages" },
    });
  }
  return messages.map((m, i) => {
    const role = (m as { role?: unknown } | null)?.role;
    if (role !== "system" && role !== "user" && role !== "assistant") {
      throw new ClipkitError(
        "PROMPT_INVALID",
        `messages[${i}].role must be "system", "user" or "assistant"`,
        {
          details: { argument: `messages[${i}].role`, role },
        },
      );
    }
    const content = m.content;
    if (typeof content === "string") return { role, content };
    if (!Array.isArray(content)) {
      throw new ClipkitError(
        "PROMPT_INVALID",
        `messages[${i}].content must be a string or an array of parts`,
        {
          details: { argument: `messages[${i}].content` },
        },
      );
    }
    return {
      role,
      content: content.map((part: ChatContent, j) => {
        const ok =
          part?.type === "image" ||
          (part?.type === "text" && typeof (part as { text?: unknown }).text === "string");
        if (!ok) {
          throw new ClipkitError(
            "PROMPT_INVALID",
            `messages[${i}].content[${j}] must be {type:"image"} or {type:"text", text}`,
            { details: { argument: `messages[${i}].content[${j}]` } },
          );
        }
        return templatePart(part);
      }),
    };
  });
}

/**
 * Renders `messages` through `template` as transformers' `apply_chat_template(messages,
 * tokenize=False, add_generation_prompt=…)` does: same variables (`messages`,
 * `add_generation_prompt`, the special-token strings, `options.variables`) and Jinja semantics.
 * Throws `PROMPT_INVALID` for malformed messages or when the template rejects them
 * (`raise_exception`, a missing field), naming the template file.
 */
export function renderChatTemplate(
  template: ChatTemplate,
  messages: readonly ChatMessage[],
  options: RenderChatOptions = {},
): string {
  const plain = templateMessages(messages);
  try {
    return template.compiled.render({
      ...template.specialTokens,
      ...options.variables,
      messages: plain,
      add_generation_prompt: options.addGenerationPrompt ?? true,
    });
  } catch (cause) {
    throw new ClipkitError(
      "PROMPT_INVALID",
      `${template.file}: the chat template rejected the messages: ${(cause as Error).message}`,
      { cause, details: { file: template.file, argument: "messages" } },
    );
  }
}

/** Every image part of `messages`, in prompt order (what a processor pairs with its image tokens). */
export function countChatImages(messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) {
    if (typeof m.content !== "string") for (const p of m.content) if (p.type === "image") n += 1;
  }
  return n;
}

/**
 * The images of a chat in prompt order: an image part's own `image`, else the next of `images`
 * (transformers' processors take the images separately, in the order of the image parts).
 * Throws `PROMPT_INVALID` when the image parts and the images given do not pair up.
 */
export function chatImages(messages: readonly ChatMessage[], images: readonly RawImage[] = []): RawImage[] {
  const out: RawImage[] = [];
  let next = 0;
  messages.forEach((m, i) => {
    if (typeof m?.content === "string" || !Array.isArray(m?.content)) return;
    m.content.forEach((part, j) => {
      if (part?.type !== "image") return;
      const own = part.image;
      const image = own ?? images[next++];
      if (image === undefined) {
        throw new ClipkitError(
          "PROMPT_INVALID",
          `messages[${i}].content[${j}] is an image part with no image (give it "image" or pass images)`,
          { details: { argument: `messages[${i}].content[${j}]`, imagesGiven: images.length } },
        );
      }
      out.push(image);
    });
  });
  if (next < images.length) {
    throw new ClipkitError(
      "PROMPT_INVALID",
      `${images.length} images given but the messages have only ${next} image parts without their own image`,
      { details: { argument: "images", imagesGiven: images.length, imageParts: next } },
    );
  }
  return out;
}
