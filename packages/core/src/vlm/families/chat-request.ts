/**
 * Turns a caption / question / chat request into chat messages in transformers' processor chat
 * format, for the chat-template families (Qwen2-VL, SmolVLM): captions and questions become one
 * user turn with the images first; a chat's `system` becomes a leading system turn; a chat whose
 * turns hold no image part gets its images at the start of the first user turn. Text is always
 * given as parts (SmolVLM's template reads `content[0]`). The images stay the request's own: a
 * chat request's `images` are already every image part's pixels in prompt order (`chatImages`).
 */
import { ClipkitError } from "../../errors.js";
import type { ChatContent, ChatMessage, VlmRequest } from "../family.js";
import { unsupportedKind } from "../pixels.js";

type Turn = { role: ChatMessage["role"]; content: ChatContent[] };

const IMAGE: ChatContent = { type: "image" };

function parts(content: ChatMessage["content"]): ChatContent[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : [...content];
}

/**
 * Fails with `PROMPT_INVALID` unless `request.images` pairs one to one, in order, with the image
 * parts of `messages`, a part's own `image` standing at its place (what `chatImages` returns).
 */
function checkImages(messages: readonly Turn[], request: VlmRequest, index: number): void {
  const imageParts = messages.flatMap((m) => m.content.filter((p) => p.type === "image"));
  const argument = `requests[${index}].images`;
  if (imageParts.length !== request.images.length) {
    throw new ClipkitError(
      "PROMPT_INVALID",
      `request ${index}: ${request.images.length} image(s) for ${imageParts.length} image part(s); a chat request's images are one per image part, in prompt order (chatImages)`,
      { details: { argument, images: request.images.length, parts: imageParts.length } },
    );
  }
  const k = imageParts.findIndex((p, k) => p.image !== undefined && p.image !== request.images[k]);
  if (k >= 0) {
    throw new ClipkitError(
      "PROMPT_INVALID",
      `request ${index}: image part ${k} carries its own image but images[${k}] is another; a chat request's images are one per image part, in prompt order (chatImages)`,
      { details: { argument: `${argument}[${k}]` } },
    );
  }
}

/** `request` as chat messages (`family` and `index` name it in errors); the images are `request.images`. */
export function chatMessages(
  request: VlmRequest,
  index: number,
  family: string,
  captionPrompt: string,
): ChatMessage[] {
  const fill = request.images.map(() => IMAGE);
  if (request.kind === "caption" || request.kind === "question") {
    const text = request.kind === "caption" ? (request.prompt ?? captionPrompt) : request.question;
    return [{ role: "user", content: [...fill, { type: "text", text }] }];
  }
  if (request.kind !== "chat") return unsupportedKind(family, request, index);
  let messages: Turn[] = request.messages.map((m) => ({ role: m.role, content: parts(m.content) }));
  const named = messages.some((m) => m.content.some((p) => p.type === "image"));
  if (!named && fill.length > 0) {
    const first = messages.findIndex((m) => m.role === "user");
    if (first < 0) {
      throw new ClipkitError("PROMPT_INVALID", `request ${index}: a chat with images needs a user turn`, {
        details: { argument: `requests[${index}].messages` },
      });
    }
    messages = messages.map((m, i) => (i === first ? { role: m.role, content: [...fill, ...m.content] } : m));
  }
  checkImages(messages, request, index);
  if (request.system !== undefined) {
    messages.unshift({ role: "system", content: [{ type: "text", text: request.system }] });
  }
  return messages;
}
