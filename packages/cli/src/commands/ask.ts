import { loadVlm, type NodeChatMessage, type NodeVlm } from "@clipkit/backend-node";
import { ClipkitError, type GenerationResult, iterate, type StreamChunk } from "@clipkit/core";
import type { Command } from "../command.js";
import {
  GENERATION_USAGE,
  generationOptions,
  modelDir,
  parseGenerationArgs,
  runtimeOptions,
  withFlagNames,
} from "../util/generation-flags.js";
import { namedImageError } from "../util/per-file.js";

const usage = `Usage: clipkit ask <image> "<question>" --model DIR [options]
       clipkit ask "<question>" --image A --image B [--system "<text>"] --model DIR [options]

Answers a question about one or several images, streaming the answer to the terminal as it is
generated (beam search prints it when done). With one image and no --system the question goes
through the model's question prompt (LLaVA: its chat template; image-to-text folders: the
decoder prefix). With several images or --system it becomes a chat turn, [system,] user:
(every image, then the question), rendered by the folder's chat template; a model without chat
(PaliGemma) takes several images as one question in its own prompt format.

Options:
  --image PATH             an image (repeatable; after the positional <image> if both are given)
  --system TEXT            system prompt (chat models)
${GENERATION_USAGE}
`;

function askArgs(positionals: string[], values: { image?: string[]; task?: string }) {
  if (values.task !== undefined) {
    throw new ClipkitError("INVALID_ARGUMENT", "--task belongs to clipkit caption (see --help)", {
      details: { argument: "--task" },
    });
  }
  if (positionals.length < 1 || positionals.length > 2) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      'expected <image> "<question>" or "<question>" --image … (see --help)',
      {
        details: { argument: "positionals" },
      },
    );
  }
  const question = positionals.at(-1)!;
  const images = [...positionals.slice(0, -1), ...(values.image ?? [])];
  if (question.trim() === "" && images.length > 0) {
    // A chat template would happily wrap an empty turn and the model would answer nothing in
    // particular; refuse it, like the single-image prompt path does.
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `the question is empty${question === "" ? "" : " (only whitespace)"}: expected <image> "<question>" or "<question>" --image … (see --help)`,
      { details: { argument: "question", got: question } },
    );
  }
  if (images.length === 0) {
    // One word and no --image: the user most often gave the image and forgot the question, so say
    // what was read as what rather than asking only for an image.
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `expected <image> "<question>", got one argument (${JSON.stringify(question)}): give the question after the image, or the images with --image (see --help)`,
      { details: { argument: "question", got: question } },
    );
  }
  return { question, images };
}

/**
 * Refuses, before any image is decoded, a request the loaded model cannot answer: `--system`
 * without a chat template, or a question to a caption-only / task-only model. One usage error naming
 * the flag beats a `PROMPT_INVALID` about request kinds the user never named.
 */
export function checkAskKinds(
  vlm: Pick<NodeVlm, "family" | "kinds">,
  asChat: boolean,
  system: string | undefined,
): void {
  const answers = vlm.kinds.join(", ");
  if (system !== undefined && !vlm.kinds.includes("chat")) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `--system needs a model with a chat template; this ${vlm.family} model has none (it answers: ${answers}); drop --system`,
      { details: { argument: "--system", family: vlm.family, kinds: vlm.kinds } },
    );
  }
  const needed = asChat ? "chat" : "question";
  if (!vlm.kinds.includes(needed)) {
    const hint = vlm.kinds.includes("caption") || vlm.kinds.includes("task") ? "; use clipkit caption" : "";
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `--model: this ${vlm.family} model does not answer questions (it answers: ${answers})${hint}`,
      { details: { argument: "--model", family: vlm.family, kinds: vlm.kinds } },
    );
  }
}

/**
 * Where the library names a failing image: its place in `images`, or in the one chat turn
 * {@link askMessages} builds (every image first, so content index = image index).
 */
const IMAGE_POSITION = /^(?:images|messages\[0\]\.content)\[(\d+)\]: /;

/** The chat turn `clipkit ask` sends for several images or a system prompt. */
export function askMessages(images: readonly string[], question: string): NodeChatMessage[] {
  return [
    {
      role: "user",
      content: [
        ...images.map((image) => ({ type: "image" as const, image })),
        { type: "text", text: question },
      ],
    },
  ];
}

/** `clipkit ask`: visual question answering (one image, several, or a chat turn) with streamed output. */
export const askCommand: Command = {
  name: "ask",
  summary: "answer a question about one or several images (streams tokens)",
  usage,
  async run(ctx) {
    const { values, positionals } = parseGenerationArgs(ctx.argv);
    const { question, images } = askArgs(positionals, values);
    const options = generationOptions(values);
    const { backend, dtype } = runtimeOptions(values);
    const vlm: NodeVlm = await loadVlm(await modelDir(values, ctx.stderr), { backend, dtype });
    // Several images go through the chat template when the model has one; a family without chat
    // (PaliGemma) takes them as one question with its own prompt format.
    const asChat = values.system !== undefined || (images.length > 1 && vlm.kinds.includes("chat"));
    try {
      checkAskKinds(vlm, asChat, values.system);
    } catch (error) {
      await vlm.release();
      throw error;
    }
    const answer = (o: typeof options & { onChunk?: (c: StreamChunk) => void }): Promise<GenerationResult> =>
      (asChat
        ? vlm.chat(askMessages(images, question), [], {
            ...o,
            ...(values.system === undefined ? {} : { system: values.system }),
          })
        : vlm.ask(images.length === 1 ? images[0]! : images, question, o)
      ).catch((error: unknown) => {
        // Core names generation options by their API names and images by batch position; the
        // user typed flags and file names.
        throw namedImageError(withFlagNames(error), images, IMAGE_POSITION);
      });
    try {
      if (values.json) {
        const r = await answer(options);
        const image = images.length === 1 ? { image: images[0] } : { images };
        ctx.stdout.write(
          `${JSON.stringify({ ...image, question, text: r.text.trim(), tokens: r.tokens, score: r.score }, null, 2)}\n`,
        );
        return 0;
      }
      let started = false;
      for await (const chunk of iterate<StreamChunk>((emit) => answer({ ...options, onChunk: emit }))) {
        // The answer usually starts with the space that followed the prompt; drop it on screen.
        const piece = started ? chunk.text : chunk.text.trimStart();
        if (piece) started = true;
        ctx.stdout.write(piece);
      }
      ctx.stdout.write("\n");
      return 0;
    } finally {
      await vlm.release();
    }
  },
};
