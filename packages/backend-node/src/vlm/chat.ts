/** Node chat messages: image parts that carry paths, bytes or pixels, decoded for core. */
import { type ChatMessage, ClipkitError, type RawImage, type VlmChat } from "@clipkit/core";
import { type DecodeOptions, decodeImage, type ImageInput } from "../image/index.js";

/** A chat content part whose image may be a path, bytes or pixels. */
export type NodeChatContent = { type: "text"; text: string } | { type: "image"; image?: ImageInput };

/** A chat message of {@link NodeVlm.chat}: transformers' chat format. */
export interface NodeChatMessage {
  role: "system" | "user" | "assistant";
  content: string | readonly NodeChatContent[];
}

/**
 * The chat calls of `NodeVlm` and `NodeVqa` (core's `VlmChat`), image parts carrying a
 * path, bytes or pixels:
 * `chat([{ role: "user", content: [{ type: "image", image: "a.jpg" }, { type: "image", image: "b.jpg" }, { type: "text", text: "Which is brighter?" }] }])`.
 * Image parts without `image` take the next of `images`, in order.
 */
export type NodeVlmChat = VlmChat<NodeChatMessage, ImageInput>;

/** Decodes one image, naming `argument` in the error. */
export async function decodeAt(
  input: ImageInput,
  argument: string,
  options: { decode?: DecodeOptions },
): Promise<RawImage> {
  try {
    return await decodeImage(input, options.decode);
  } catch (error) {
    if (!(error instanceof ClipkitError)) throw error;
    throw new ClipkitError(error.code, `${argument}: ${error.message}`, {
      cause: error,
      details: { ...error.details, argument },
    });
  }
}

/** Decodes the image parts of `messages` (naming `messages[i].content[j]` on failure). */
export async function decodeChat(
  messages: readonly NodeChatMessage[],
  options: { decode?: DecodeOptions },
): Promise<ChatMessage[]> {
  if (!Array.isArray(messages)) {
    throw new ClipkitError("PROMPT_INVALID", "messages must be an array", {
      details: { argument: "messages" },
    });
  }
  const out: ChatMessage[] = [];
  for (const [i, m] of messages.entries()) {
    if (typeof m?.content === "string" || !Array.isArray(m?.content)) {
      out.push(m as ChatMessage);
      continue;
    }
    const content = [];
    for (const [j, part] of (m.content as readonly NodeChatContent[]).entries()) {
      if (part?.type === "image" && part.image !== undefined) {
        content.push({
          type: "image" as const,
          image: await decodeAt(part.image, `messages[${i}].content[${j}]`, options),
        });
      } else content.push(part as ChatMessage["content"][number]);
    }
    out.push({ role: m.role, content } as ChatMessage);
  }
  return out;
}
