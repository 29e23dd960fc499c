/**
 * Turns a caption / question / chat request into chat messages in transformers' processor chat
 * format, for the chat-template families (Qwen2-VL, SmolVLM): captions and questions become one
 * user turn with the images first; a chat's `system` becomes a leading system turn; a chat whose
 * turns hold no image part gets its images at the start of the first user turn. Text is always
 * given as parts (SmolVLM's template reads `content[0]`).
 */
import { ClipkitError } from "../../errors.js";
import type { RawImage } from "../../image/types.js";
import type { ChatContent, ChatMessage, VlmRequest } from "../family.js";
import { unsupportedKind } from "../pixels.js";

/** The messages of a request and its images in prompt order. */
export interface ChatRequest {
  readonly messages: readonly ChatMessage[];
  readonly images: readonly RawImage[];
}

const IMAGE: ChatContent = { type: "image" };

function parts(content: ChatMessage["content"]): ChatContent[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : [...content];
}

/** `request` as chat messages (`family` and `index` name it in errors). */
export function chatRequest(
  request: VlmRequest,
  index: number,
  family: string,
  captionPrompt: string,
): ChatRequest {
  const fill = request.images.map(() => IMAGE);
  if (request.kind === "caption" || request.kind === "question") {
    const text = request.kind === "caption" ? (request.prompt ?? captionPrompt) : request.question;
    return {
      messages: [{ role: "user", content: [...fill, { type: "text", text }] }],
      images: request.images,
    };
  }
  if (request.kind !== "chat") return unsupportedKind(family, request, index);
  let messages: { role: ChatMessage["role"]; content: ChatContent[] }[] = request.messages.map((m) => ({
    role: m.role,
    content: parts(m.content),
  }));
  const named = messages.flatMap((m) => m.content.filter((p) => p.type === "image"));
  if (named.length === 0 && fill.length > 0) {
    const first = messages.findIndex((m) => m.role === "user");
    if (first < 0) {
      throw new ClipkitError("PROMPT_INVALID", `request ${index}: a chat with images needs a user turn`, {
        details: { argument: `requests[${index}].messages` },
      });
    }
    messages = messages.map((m, i) => (i === first ? { role: m.role, content: [...fill, ...m.content] } : m));
  }
  const imageParts = messages.flatMap((m) => m.content.filter((p) => p.type === "image"));
  if (imageParts.some((p) => p.image !== undefined) && imageParts.length === request.images.length) {
    // createVlm's chat (vlm/vlm.ts `chatRequest`) already resolved every image part, inline ones
    // included, into `request.images` in prompt order.
    if (request.system !== undefined) {
      messages.unshift({ role: "system", content: [{ type: "text", text: request.system }] });
    }
    return { messages, images: request.images };
  }
  // Inline images first, the request's images fill the other image parts in order.
  const images: RawImage[] = [];
  let next = 0;
  for (const m of messages) {
    for (const p of m.content) {
      if (p.type !== "image") continue;
      const image = p.image ?? request.images[next++];
      if (image === undefined) {
        throw new ClipkitError(
          "PROMPT_INVALID",
          `request ${index}: the messages have more image parts than the ${request.images.length} image(s) given`,
          { details: { argument: `requests[${index}].images`, images: request.images.length } },
        );
      }
      images.push(image);
    }
  }
  if (next < request.images.length) {
    throw new ClipkitError(
      "PROMPT_INVALID",
      `request ${index}: ${request.images.length} image(s) given for ${next} image part(s) without pixels`,
      { details: { argument: `requests[${index}].images`, images: request.images.length, parts: next } },
    );
  }
  if (request.system !== undefined) {
    messages.unshift({ role: "system", content: [{ type: "text", text: request.system }] });
  }
  return { messages, images };
}
