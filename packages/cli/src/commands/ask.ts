import { loadVqa } from "@clipkit/backend-node";
import { ClipkitError } from "@clipkit/core";
import type { Command } from "../command.js";
import {
  GENERATION_USAGE,
  generationOptions,
  modelDir,
  parseGenerationArgs,
  runtimeOptions,
} from "../util/generation-flags.js";

const usage = `Usage: clipkit ask <image> "<question>" --model DIR [options]

Answers a question about an image, streaming the answer to the terminal as it is generated
(beam search prints it when done). LLaVA-style folders put the question in the prompt
template; image-to-text folders use it as the decoder prefix.

Options:
${GENERATION_USAGE}
`;

/** `clipkit ask`: visual question answering with streamed output. */
export const askCommand: Command = {
  name: "ask",
  summary: "answer a question about an image (streams tokens)",
  usage,
  async run(ctx) {
    const { values, positionals } = parseGenerationArgs(ctx.argv);
    if (positionals.length !== 2) {
      throw new ClipkitError("INVALID_ARGUMENT", 'expected <image> "<question>" (see --help)', {
        details: { argument: "positionals" },
      });
    }
    const [image, question] = positionals as [string, string];
    const options = generationOptions(values);
    const { backend, dtype } = runtimeOptions(values);
    const vqa = await loadVqa(await modelDir(values, ctx.stderr), { backend, dtype });
    try {
      if (values.json) {
        const r = await vqa.ask(image, question, options);
        ctx.stdout.write(
          `${JSON.stringify({ image, question, text: r.text.trim(), tokens: r.tokens, score: r.score }, null, 2)}\n`,
        );
        return 0;
      }
      let started = false;
      for await (const chunk of vqa.askStream(image, question, options)) {
        // The answer usually starts with the space that followed the prompt; drop it on screen.
        const piece = started ? chunk.text : chunk.text.trimStart();
        if (piece) started = true;
        ctx.stdout.write(piece);
      }
      ctx.stdout.write("\n");
      return 0;
    } finally {
      await vqa.release();
    }
  },
};
