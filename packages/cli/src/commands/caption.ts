import { loadCaptioner } from "@clipkit/backend-node";
import { ClipkitError } from "@clipkit/core";
import type { Command } from "../command.js";
import {
  GENERATION_USAGE,
  generationOptions,
  modelDir,
  parseGenerationArgs,
  runtimeOptions,
} from "../util/generation-flags.js";

const usage = `Usage: clipkit caption <images…> --model DIR [--beams 3] [--max-new-tokens 30] [--json]

Writes a caption for each image (--batch-size images per call), one "image<TAB>caption" line per image, or a JSON
array with tokens and beam scores. Works with transformers.js image-to-text folders
(onnx/encoder_model.onnx + onnx/decoder_model_merged.onnx) and LLaVA-style folders.

Options:
${GENERATION_USAGE}
`;

/** `clipkit caption`: batch image captioning. */
export const captionCommand: Command = {
  name: "caption",
  summary: "caption images with an image-to-text or LLaVA-style model",
  usage,
  async run(ctx) {
    const { values, positionals } = parseGenerationArgs(ctx.argv);
    if (positionals.length === 0) {
      throw new ClipkitError("INVALID_ARGUMENT", "give at least one image (see --help)", {
        details: { argument: "images" },
      });
    }
    const options = generationOptions(values);
    const { backend, batchSize } = runtimeOptions(values);
    const captioner = await loadCaptioner(await modelDir(values), { backend });
    try {
      const results = [];
      for (let i = 0; i < positionals.length; i += batchSize) {
        results.push(...(await captioner.caption(positionals.slice(i, i + batchSize), options)));
      }
      if (values.json) {
        const out = results.map((r, i) => ({
          image: positionals[i],
          text: r.text.trim(),
          tokens: r.tokens,
          score: r.score,
          sequences: r.sequences,
        }));
        ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        for (const [i, r] of results.entries()) {
          for (const s of r.sequences) ctx.stdout.write(`${positionals[i]}\t${s.text.trim()}\n`);
        }
      }
      return 0;
    } finally {
      await captioner.release();
    }
  },
};
