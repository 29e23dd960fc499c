import { describe, expect, it } from "vitest";
import type { RawImage } from "../../image/types.js";
import { chatRequest } from "./chat-request.js";

const image = (v: number): RawImage => ({
  width: 1,
  height: 1,
  channels: 3,
  data: new Uint8Array([v, v, v]),
});
const [a, b, c] = [image(1), image(2), image(3)];

describe("chatRequest", () => {
  it("puts caption and question images before the text in one user turn", () => {
    expect(chatRequest({ kind: "caption", images: [a, b] }, 0, "f", "Describe.")).toEqual({
      messages: [
        {
          role: "user",
          content: [{ type: "image" }, { type: "image" }, { type: "text", text: "Describe." }],
        },
      ],
      images: [a, b],
    });
    expect(
      chatRequest({ kind: "question", images: [a], question: "Why?" }, 0, "f", "-").messages[0]!.content,
    ).toEqual([{ type: "image" }, { type: "text", text: "Why?" }]);
  });

  it("orders inline and given images as the parts appear, and adds the system turn", () => {
    const out = chatRequest(
      {
        kind: "chat",
        images: [a, c],
        system: "Be brief.",
        messages: [
          {
            role: "user",
            content: [{ type: "image" }, { type: "text", text: "and" }, { type: "image", image: b }],
          },
          { role: "assistant", content: "ok" },
          { role: "user", content: [{ type: "image" }] },
        ],
      },
      0,
      "f",
      "-",
    );
    expect(out.images).toEqual([a, b, c]);
    expect(out.messages[0]).toEqual({ role: "system", content: [{ type: "text", text: "Be brief." }] });
    expect(out.messages[2]).toEqual({ role: "assistant", content: [{ type: "text", text: "ok" }] });
  });

  it("puts the images of a chat without image parts into its first user turn", () => {
    const out = chatRequest(
      { kind: "chat", images: [a], messages: [{ role: "user", content: "What is it?" }] },
      0,
      "f",
      "-",
    );
    expect(out.messages[0]!.content).toEqual([{ type: "image" }, { type: "text", text: "What is it?" }]);
  });

  it("fails with PROMPT_INVALID on image count mismatches and other kinds", () => {
    const two = [
      { role: "user" as const, content: [{ type: "image" as const }, { type: "image" as const }] },
    ];
    expect(() => chatRequest({ kind: "chat", images: [a], messages: two }, 2, "f", "-")).toThrow(
      expect.objectContaining({ code: "PROMPT_INVALID" }),
    );
    const one = [{ role: "user" as const, content: [{ type: "image" as const }] }];
    expect(() => chatRequest({ kind: "chat", images: [a, b], messages: one }, 2, "f", "-")).toThrow(
      expect.objectContaining({ code: "PROMPT_INVALID" }),
    );
    expect(() => chatRequest({ kind: "task", images: [a], task: "<OD>" }, 0, "f", "-")).toThrow(
      expect.objectContaining({ code: "PROMPT_INVALID" }),
    );
  });
});
