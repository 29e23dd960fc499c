import { stat } from "node:fs/promises";
import { expandImageArgs, loadHeadFile } from "@clipkit/backend-node";
import {
  type Classification,
  type ClassifyMode,
  ClipkitError,
  isClipkitError,
  type ZeroShotHead,
} from "@clipkit/core";
import type { Command, CommandContext } from "../command.js";
import { parseFlags, parseNumber, parsePositiveInt, usageError } from "../util/args.js";
import { MODEL_FLAGS, MODEL_FLAGS_USAGE, openModel } from "../util/model.js";
import { createProgress, shouldShowProgress } from "../util/progress.js";
import { buildHeadFromFlags, HEAD_FLAGS, HEAD_FLAGS_USAGE } from "../util/zeroshot.js";

const MODES: readonly ClassifyMode[] = ["auto", "softmax", "sigmoid", "cosine"];

const usage = `Usage: clipkit classify <images|folders|globs…> [--model DIR] (--labels a,b,c | --labels-file F | --head FILE.head) [options]

Zero-shot classification: scores each image against the labels (each label embedded through the
templates and ensembled) and prints the best labels per image.

Options:
${HEAD_FLAGS_USAGE}
  --head FILE         use a head saved by 'clipkit head build' instead of --labels/--templates
  --top-k N           labels shown per image (default 5)
  --mode M            auto (default: softmax for CLIP, sigmoid for SigLIP), softmax, sigmoid, cosine
  --threshold X       multi-label: show every label scoring ≥ X (needs sigmoid or cosine scores)
  --json              one JSON document on stdout
${MODEL_FLAGS_USAGE}

Softmax scores are relative to the labels you give: a single label always scores 1.0. Check
'cos' (or --mode cosine) and the 'out of domain?' note when no label may fit.
`;

function formatText(images: readonly string[], results: readonly Classification[]): string {
  const lines: string[] = [];
  results.forEach((r, i) => {
    lines.push(images[i]!);
    const width = Math.max(...r.top.map((c) => c.label.length), 0);
    for (const c of r.top) {
      lines.push(`  ${c.score.toFixed(4)}  ${c.label.padEnd(width)}  cos ${c.cosine.toFixed(4)}`);
    }
    if (r.top.length === 0) lines.push("  (no label above the threshold)");
    if (r.ood.flagged) {
      lines.push(
        `  ! out of domain? ${r.ood.reasons.join(", ")} (best cos ${r.ood.bestCosine.toFixed(3)}, entropy ${r.ood.entropy.toFixed(2)})`,
      );
    }
  });
  return `${lines.join("\n")}\n`;
}

/**
 * Folders and globs expand to the image files in them (as for `clipkit index`); plain file
 * arguments keep their order and repeats, so output rows line up with what was typed.
 */
async function expandFolders(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    const isFolder = await stat(arg).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (isFolder || /[*?]/.test(arg)) out.push(...(await expandImageArgs([arg])));
    else out.push(arg);
  }
  return out;
}

async function classify(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseFlags(ctx.argv, {
    ...MODEL_FLAGS,
    ...HEAD_FLAGS,
    head: { type: "string" },
    "top-k": { type: "string" },
    mode: { type: "string" },
    threshold: { type: "string" },
    json: { type: "boolean" },
  });
  if (positionals.length === 0) throw usageError("no images given: clipkit classify <images…> (see --help)");
  const images = await expandFolders(positionals);
  const mode = (values.mode ?? "auto") as ClassifyMode;
  if (!MODES.includes(mode)) throw usageError(`--mode must be one of ${MODES.join(", ")}`, "--mode");
  const topK = parsePositiveInt(values["top-k"], "--top-k", 5);
  const threshold = parseNumber(values.threshold, "--threshold");
  if (values.head && (values.labels || values["labels-file"] || values.templates)) {
    throw usageError(
      "--head already fixes the labels and templates; drop --labels/--labels-file/--templates",
      "--head",
    );
  }
  const model = await openModel(values, ctx.stderr);
  try {
    let head: ZeroShotHead;
    if (values.head) head = await loadHeadFile(values.head, { space: model.space });
    else head = (await buildHeadFromFlags(model, values, ctx.stderr)).head;
    const progress = createProgress({
      stream: ctx.stderr,
      label: "images",
      enabled: shouldShowProgress(ctx.stderr, images.length),
    });
    let results: Classification[];
    try {
      results = await head.classifyImages(model, images, {
        topK,
        mode,
        ...(threshold === undefined ? {} : { threshold }),
        onProgress: (d, t) => progress.update(d, t),
      });
    } finally {
      progress.finish();
    }
    if (values.json) {
      const out = results.map((r, i) => ({ image: images[i], top: r.top, ood: r.ood }));
      ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      ctx.stdout.write(formatText(images, results));
    }
    return 0;
  } catch (error) {
    if (isClipkitError(error, "SPACE_MISMATCH") && values.head) {
      throw new ClipkitError(
        "SPACE_MISMATCH",
        `${error.message} — rebuild the head for this model with 'clipkit head build'`,
        {
          cause: error,
          details: error.details,
        },
      );
    }
    throw error;
  } finally {
    await model.release();
  }
}

/** `clipkit classify`: zero-shot classification of image files. */
export const classifyCommand: Command = {
  name: "classify",
  summary: "zero-shot classify images against labels (or a saved head)",
  usage,
  run: classify,
};
