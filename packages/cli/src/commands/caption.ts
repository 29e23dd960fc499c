import { loadVlm } from "@clipkit/backend-node";
import { ClipkitError, type GenerationResult, type VlmGenerateOptions } from "@clipkit/core";
import type { Command } from "../command.js";
import {
  GENERATION_USAGE,
  generationOptions,
  modelDir,
  parseGenerationArgs,
  runtimeOptions,
  withFlagNames,
} from "../util/generation-flags.js";
import { expandInputs, WALK_USAGE } from "../util/inputs.js";
import { mapFiles, reportFailures, STRICT_USAGE } from "../util/per-file.js";

const usage = `Usage: clipkit caption <images|folders|globs…> --model DIR [--beams 3] [--max-new-tokens 30] [--json]
       clipkit caption <images…> --model DIR --task "<OD>" [--task-text TEXT] [--json]

Writes a caption for each image (--batch-size images per call), one "image<TAB>caption" line per image, or a JSON
array with tokens and beam scores. Works with transformers.js image-to-text folders
(onnx/encoder_model.onnx + onnx/decoder_model_merged.onnx) and LLaVA-style folders.

Folders and globs expand to the images inside them. A file that cannot be read or decoded is
skipped and reported on stderr (and in --json); the exit code is non-zero only when no image
succeeded, or with --strict when any failed.

--task runs a task prompt of a many-task model (Florence-2: "<CAPTION>", "<DETAILED_CAPTION>",
"<OCR>", "<OD>", "<CAPTION_TO_PHRASE_GROUNDING>" with --task-text …) instead of captioning; --json
then adds the parsed result (boxes, labels) as "structured". Models without tasks are an error.

Options:
  --task TASK              task prompt, e.g. "<OD>" (many-task models such as Florence-2)
  --task-text TEXT         the text input some tasks take (phrase grounding)
${GENERATION_USAGE}
${STRICT_USAGE}
${WALK_USAGE}
`;

/** `clipkit caption`: batch image captioning. */
export const captionCommand: Command = {
  name: "caption",
  summary: "caption images (or run a Florence-2 style --task) with any supported VLM",
  usage,
  async run(ctx) {
    const { values, positionals } = parseGenerationArgs(ctx.argv);
    if (positionals.length === 0) {
      throw new ClipkitError("INVALID_ARGUMENT", "give at least one image (see --help)", {
        details: { argument: "images" },
      });
    }
    for (const flag of ["system", "image"] as const) {
      if (values[flag] !== undefined) {
        throw new ClipkitError("INVALID_ARGUMENT", `--${flag} belongs to clipkit ask (see --help)`, {
          details: { argument: `--${flag}` },
        });
      }
    }
    const { task, "task-text": taskText } = values;
    if (taskText !== undefined && task === undefined) {
      throw new ClipkitError("INVALID_ARGUMENT", "--task-text needs --task", {
        details: { argument: "--task-text" },
      });
    }
    const options = generationOptions(values);
    const { backend, dtype, batchSize } = runtimeOptions(values);
    const images = await expandInputs(positionals, values, ctx.stderr);
    const vlm = await loadVlm(await modelDir(values, ctx.stderr), { backend, dtype });
    try {
      if (task !== undefined && !vlm.tasks.includes(task)) {
        // Checked before the images run, so it is one clear error rather than a failure per file.
        throw new ClipkitError(
          "INVALID_ARGUMENT",
          vlm.tasks.length === 0
            ? `--task: this ${vlm.family} model has no tasks (task prompts are for many-task models such as Florence-2)`
            : `--task: unknown task ${JSON.stringify(task)}; this model knows ${vlm.tasks.join(" ")}`,
          { details: { argument: "--task", family: vlm.family, tasks: vlm.tasks } },
        );
      }
      if (task === undefined && !vlm.kinds.includes("caption")) {
        // Same reason: a question-only model (BLIP VQA) would otherwise fail once per image.
        throw new ClipkitError(
          "INVALID_ARGUMENT",
          `--model: this ${vlm.family} model does not caption (it answers: ${vlm.kinds.join(", ")})${
            vlm.kinds.includes("question") ? "; ask it a question with clipkit ask" : ""
          }`,
          { details: { argument: "--model", family: vlm.family, kinds: vlm.kinds } },
        );
      }
      const run = (batch: readonly string[], o: VlmGenerateOptions): Promise<GenerationResult[]> =>
        task === undefined ? vlm.caption(batch, o) : vlm.task(batch, task, taskText, o);
      const mapped = await mapFiles(images, batchSize, (batch) => run(batch, options)).catch((error) => {
        throw withFlagNames(error);
      });
      if (values.json) {
        // Input order; a skipped file keeps its row with the reason instead of a caption.
        const failedAt = new Map(mapped.failed.map((f) => [f.path, f]));
        const out = images.map((image, i) => {
          const r = mapped.results[i];
          if (r === undefined) {
            const f = failedAt.get(image);
            return { image, skipped: { code: f?.code ?? "IO_FAILED", message: f?.message ?? "" } };
          }
          return {
            image,
            text: r.text.trim(),
            tokens: r.tokens,
            score: r.score,
            sequences: r.sequences,
            ...(r.structured === undefined ? {} : { structured: r.structured }),
          };
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
      await vlm.release();
    }
  },
};
