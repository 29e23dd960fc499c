import { describe, expect, it } from "vitest";
import type { RawImage } from "../../image/types.js";
import { chatImages } from "../chat-template.js";
import type { ChatMessage } from "../family.js";
import { chatMessages } from "./chat-request.js";

const image = (v: number): RawImage => ({
  width: 1,
  height: 1,
  channels: 3,
  data: new Uint8Array([v, v, v]),
});
const [a, b, c] = [image(1), image(2), image(3)];

describe("chatMessages", () => {
  it("puts caption and question images before the text in one user turn", () => {
    expect(chatMessages({ kind: "caption", images: [a, b] }, 0, "f", "Describe.")).toEqual([
      {
        role: "user",
        content: [{ type: "image" }, { type: "image" }, { type: "text", text: "Describe." }],
      },
    ]);
    expect(
      chatMessages({ kind: "question", images: [a], question: "Why?" }, 0, "f", "-")[0]!.content,
    ).toEqual([{ type: "image" }, { type: "text", text: "Why?" }]);
  });

  it("takes the images chatImages resolves (inline ones in place) and adds the system turn", () => {
    const messages: ChatMessage[] = [
      {
        role: "user",
        content: [{ type: "image" }, { type: "text", text: "and" }, { type: "image", image: b }],
      },
      { role: "assistant", content: "ok" },
      { role: "user", content: [{ type: "image" }] },
    ];
    const images = chatImages(messages, [a, c]);
    expect(images).toEqual([a, b, c]);
    const out = chatMessages({ kind: "chat", images, system: "Be brief.", messages }, 0, "f", "-");
    expect(out[0]).toEqual({ role: "system", content: [{ type: "text", text: "Be brief." }] });
    expect(out[1]!.content).toEqual(messages[0]!.content);
    expect(out[2]).toEqual({ role: "assistant", content: [{ type: "text", text: "ok" }] });
    expect(out[3]).toEqual({ role: "user", content: [{ type: "image" }] });
  });

  it("puts the images of a chat without image parts into its first user turn", () => {
    const out = chatMessages(
      { kind: "chat", images: [a], messages: [{ role: "user", content: "What is it?" }] },
      0,
      "f",
      "-",
    );
    expect(out[0]!.content).toEqual([{ type: "image" }, { type: "text", text: "What is it?" }]);
  });

  it("fails with PROMPT_INVALID on image count mismatches, misplaced inline images and other kinds", () => {
    const invalid = expect.objectContaining({ code: "PROMPT_INVALID" });
    const two = [
      { role: "user" as const, content: [{ type: "image" as const }, { type: "image" as const }] },
    ];
    expect(() => chatMessages({ kind: "chat", images: [a], messages: two }, 2, "f", "-")).toThrow(invalid);
    const one = [{ role: "user" as const, content: [{ type: "image" as const }] }];
    expect(() => chatMessages({ kind: "chat", images: [a, b], messages: one }, 2, "f", "-")).toThrow(invalid);
    // An inline image must stand at its own place in `images` (chatImages' order), not be left out.
    const inline: ChatMessage[] = [
      { role: "user", content: [{ type: "image" }, { type: "image", image: b }] },
    ];
    expect(() => chatMessages({ kind: "chat", images: [a], messages: inline }, 0, "f", "-")).toThrow(invalid);
    expect(() => chatMessages({ kind: "chat", images: [b, a], messages: inline }, 0, "f", "-")).toThrow(
      expect.objectContaining({ code: "PROMPT_INVALID", details: { argument: "requests[0].images[1]" } }),
    );
    expect(chatMessages({ kind: "chat", images: [a, b], messages: inline }, 0, "f", "-")).toHaveLength(1);
    expect(() => chatMessages({ kind: "task", images: [a], task: "<OD>" }, 0, "f", "-")).toThrow(invalid);
  });
});
