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
import { expandInputs, WALK_USAGE } from "../util/inputs.js";
import { mapFiles, reportFailures, STRICT_USAGE } from "../util/per-file.js";

const usage = `Usage: clipkit caption <images|folders|globs…> --model DIR [--beams 3] [--max-new-tokens 30] [--json]

Writes a caption for each image (--batch-size images per call), one "image<TAB>caption" line per image, or a JSON
array with tokens and beam scores. Works with transformers.js image-to-text folders
(onnx/encoder_model.onnx + onnx/decoder_model_merged.onnx) and LLaVA-style folders.

Folders and globs expand to the images inside them. A file that cannot be read or decoded is
skipped and reported on stderr (and in --json); the exit code is non-zero only when no image
succeeded, or with --strict when any failed.

Options:
${GENERATION_USAGE}
${STRICT_USAGE}
${WALK_USAGE}
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
    const { backend, dtype, batchSize } = runtimeOptions(values);
    const images = await expandInputs(positionals, values, ctx.stderr);
    const captioner = await loadCaptioner(await modelDir(values, ctx.stderr), { backend, dtype });
    try {
      const mapped = await mapFiles(images, batchSize, (batch) => captioner.caption(batch, options));
      if (values.json) {
        // Input order; a skipped file keeps its row with the reason instead of a caption.
        const failedAt = new Map(mapped.failed.map((f) => [f.path, f]));
        const out = images.map((image, i) => {
          const r = mapped.results[i];
          if (r === undefined) {
            const f = failedAt.get(image);
            return { image, skipped: { code: f?.code ?? "IO_FAILED", message: f?.message ?? "" } };
          }
          return { image, text: r.text.trim(), tokens: r.tokens, score: r.score, sequences: r.sequences };
        });
        ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        for (const [i, r] of mapped.results.entries()) {
          if (r === undefined) continue;
          for (const s of r.sequences) ctx.stdout.write(`${images[i]}\t${s.text.trim()}\n`);
        }
      }
      return reportFailures(ctx.stderr, mapped.failed, images.length, values.strict);
    } finally {
      await captioner.release();
    }
  },
};
