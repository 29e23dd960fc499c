/**
 * Turns a caption / question / chat request into chat messages in transformers' processor chat
 * format, for the chat-template families (Qwen2-VL, SmolVLM): captions and questions become one
 * user turn with the images first, a chat's `system` becomes a leading system turn, and a chat
 * whose turns name no image gets its images at the start of the first user turn.
 */
import { ClipkitError } from "../../errors.js";
import type { ChatContent, ChatMessage, VlmRequest } from "../family.js";

/** The messages of `request` (`family` and `index` name it in errors). */
export function requestMessages(
  request: VlmRequest,
  index: number,
  family: string,
  captionPrompt: string,
): ChatMessage[] {
  const images: ChatContent[] = request.images.map(() => ({ type: "image" }));
  if (request.kind === "caption") {
    return [{ role: "user", content: [...images, { type: "text", text: request.prompt ?? captionPrompt }] }];
  }
  if (request.kind === "question") {
    return [{ role: "user", content: [...images, { type: "text", text: request.question }] }];
  }
  if (request.kind !== "chat") {
    throw new ClipkitError(
      "PROMPT_INVALID",
      `requests[${index}]: ${family} models do not run "${request.kind}" requests`,
      {
        details: { argument: `requests[${index}].kind`, family },
      },
    );
  }
  const messages: ChatMessage[] = [...request.messages];
  const named = messages.reduce(
    (n, m) => n + (typeof m.content === "string" ? 0 : m.content.filter((p) => p.type === "image").length),
    0,
  );
  if (named === 0 && images.length > 0) {
    const first = messages.findIndex((m) => m.role === "user");
    if (first < 0) {
      throw new ClipkitError("PROMPT_INVALID", `requests[${index}]: a chat with images needs a user turn`, {
        details: { argument: `requests[${index}].messages` },
      });
    }
    const m = messages[first]!;
    const rest: ChatContent[] =
      typeof m.content === "string" ? [{ type: "text", text: m.content }] : [...m.content];
    messages[first] = { role: m.role, content: [...images, ...rest] };
  } else if (named !== images.length) {
    throw new ClipkitError(
      "PROMPT_INVALID",
      `requests[${index}]: the messages have ${named} image part(s) but ${images.length} image(s) were given`,
      { details: { argument: `requests[${index}].images`, parts: named, images: images.length } },
    );
  }
  if (request.system !== undefined) messages.unshift({ role: "system", content: request.system });
  return messages;
}
