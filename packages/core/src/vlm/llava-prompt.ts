/**
 * LLaVA prompts as transformers builds them: every request becomes chat messages rendered by the
 * folder's chat template (`apply_chat_template(..., add_generation_prompt=True)`), then
 * LlavaProcessor's text expansion of `<image>` and its tokenizer call (BOS from the tokenizer).
 */
import { ClipkitError } from "../errors.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { type ChatTemplate, compileChatTemplate, renderChatTemplate } from "./chat-template.js";
import type { ChatContent, ChatMessage, VlmRequest } from "./family.js";
import { expandImageTokens, type LlavaImageTokens } from "./llava-processor.js";

/**
 * llava-hf/llava-1.5-7b-hf's chat template, used when a folder ships none (transformers.js
 * exports often drop chat_template.json); it renders the classic `USER: <image>\n… ASSISTANT:`.
 */
export const LLAVA_15_CHAT_TEMPLATE =
  "{% for message in messages %}{% if message['role'] != 'system' %}{{ message['role'].upper() + ': '}}{% endif %}" +
  "{# Render all images first #}{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}" +
  "{{ '<image>\n' }}{% endfor %}{# Render all text next #}{% if message['role'] != 'assistant' %}" +
  "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ content['text'] + ' '}}" +
  "{% endfor %}{% else %}{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}" +
  "{% generation %}{{ content['text'] + ' '}}{% endgeneration %}{% endfor %}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}";

/** Everything a LLaVA folder needs to turn requests into prompt ids. */
export interface LlavaPromptSettings {
  readonly tokenizer: Tokenizer;
  /** The folder's chat template, else {@link LLAVA_15_CHAT_TEMPLATE}. */
  readonly chatTemplate: ChatTemplate;
  readonly imageTokens: LlavaImageTokens;
  /** Legacy override with `<image>` and `{prompt}` (option / config `clipkit.prompt_template`); one image only. */
  readonly promptTemplate: string | undefined;
  /** The instruction of a caption request without its own prompt. */
  readonly captionPrompt: string;
}

/** The built-in template, compiled once per folder (`file` names it in errors). */
export function defaultLlavaTemplate(
  file: string,
  specialTokens: Readonly<Record<string, string>>,
): ChatTemplate {
  return compileChatTemplate(
    LLAVA_15_CHAT_TEMPLATE,
    `${file} (built-in llava-1.5 chat template)`,
    specialTokens,
  );
}

function userTurn(images: number, text: string): ChatMessage {
  const parts: ChatContent[] = Array.from({ length: images }, () => ({ type: "image" as const }));
  parts.push({ type: "text", text });
  return { role: "user", content: parts };
}

function nonEmpty(text: unknown, argument: string): string {
  if (typeof text !== "string" || text.trim() === "") {
    throw new ClipkitError("PROMPT_INVALID", `${argument} must be a non-empty string`, {
      details: { argument },
    });
  }
  return text;
}

/** The prompt text (before image-token expansion) of one request. */
export function llavaPromptText(request: VlmRequest, s: LlavaPromptSettings, index: number): string {
  const at = `requests[${index}]`;
  const instruction =
    request.kind === "caption"
      ? (request.prompt ?? s.captionPrompt)
      : request.kind === "question"
        ? nonEmpty(request.question, `${at}.question`)
        : undefined;
  if (instruction !== undefined) {
    if (s.promptTemplate !== undefined && request.images.length === 1) {
      return s.promptTemplate.replace("{prompt}", instruction);
    }
    return renderChatTemplate(s.chatTemplate, [userTurn(request.images.length, instruction)]);
  }
  if (request.kind === "chat") {
    const messages: ChatMessage[] =
      request.system === undefined
        ? [...request.messages]
        : [{ role: "system", content: [{ type: "text", text: request.system }] }, ...request.messages];
    return renderChatTemplate(s.chatTemplate, messages);
  }
  throw new ClipkitError("PROMPT_INVALID", `${at}: LLaVA models answer no "${request.kind}" requests`, {
    details: { argument: at, kind: request.kind, family: "llava" },
  });
}

/**
 * Prompt ids of one request: the rendered prompt, each `<image>` expanded to the image's
 * feature rows, tokenized with BOS once (Llama tokenizers add it in their post-processor; one
 * that does not gets it prepended).
 */
export function llavaPromptIds(request: VlmRequest, s: LlavaPromptSettings, index: number): number[] {
  const text = expandImageTokens(
    llavaPromptText(request, s, index),
    s.imageTokens.imageToken,
    s.imageTokens.count,
    request.images.length,
    `requests[${index}]`,
  );
  const ids = s.tokenizer.encode(text, { truncation: false });
  const bos = s.tokenizer.bosTokenId;
  if (bos !== undefined && bos !== s.tokenizer.eosTokenId && ids[0] !== bos) ids.unshift(bos);
  return ids;
}
