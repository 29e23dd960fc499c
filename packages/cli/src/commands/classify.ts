import type { AdaptedHead, Classification, ClassifyMode, ZeroShotHead } from "@clipkit/core";
import type { Command, CommandContext } from "../command.js";
import { parseFlags, parseNumber, parsePositiveInt, usageError } from "../util/args.js";
import { decodeAnyHead, readAnyHeadFile } from "../util/head-file.js";
import { expandInputs, WALK_FLAGS, WALK_USAGE } from "../util/inputs.js";
import { MODEL_FLAGS, MODEL_FLAGS_USAGE, openModel } from "../util/model.js";
import { mapFiles, reportFailures, STRICT_FLAG, STRICT_USAGE } from "../util/per-file.js";
import { commandProgress, createProgress, shouldShowProgress } from "../util/progress.js";
import { parseRuntimeFlags } from "../util/runtime.js";
import { buildHeadFromFlags, HEAD_FLAGS, HEAD_FLAGS_USAGE } from "../util/zeroshot.js";

const MODES: readonly ClassifyMode[] = ["auto", "softmax", "sigmoid", "cosine"];

const usage = `Usage: clipkit classify <images|folders|globs…> [--model DIR] (--labels a,b,c | --labels-file F | --head FILE.head) [options]

Zero-shot classification: scores each image against the labels (each label embedded through the
templates and ensembled) and prints the best labels per image. A file that cannot be read or
decoded is skipped and reported on stderr (and in --json); the exit code is non-zero only when
no image succeeded, or with --strict when any failed.

Options:
${HEAD_FLAGS_USAGE}
  --head FILE         use a head saved by 'clipkit head build' (zero-shot) or 'clipkit head
                      train' (few-shot) instead of --labels/--templates
  --top-k N           labels shown per image (default 5)
  --mode M            auto (default: softmax for CLIP, sigmoid for SigLIP), softmax, sigmoid, cosine
  --threshold X       multi-label: show every label scoring ≥ X (needs sigmoid or cosine scores)
  --json              one JSON array on stdout, one row per image in input order; a skipped
                      file's row has "skipped": {code, message} instead of "top"
${STRICT_USAGE}
${WALK_USAGE}
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

async function classify(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseFlags(ctx.argv, {
    ...MODEL_FLAGS,
    ...HEAD_FLAGS,
    head: { type: "string" },
    "top-k": { type: "string" },
    mode: { type: "string" },
    threshold: { type: "string" },
    json: { type: "boolean" },
    ...STRICT_FLAG,
    ...WALK_FLAGS,
  });
  if (positionals.length === 0) throw usageError("no images given: clipkit classify <images…> (see --help)");
  const images = await expandInputs(positionals, values, ctx.stderr);
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
  // Read before the model opens: a wrong --head path fails at once, not after the load.
  const headFile = values.head ? await readAnyHeadFile(values.head) : undefined;
  const model = await openModel(values, ctx.stderr);
  try {
    let head: ZeroShotHead | AdaptedHead;
    if (headFile) head = decodeAnyHead(headFile, model.space);
    else head = (await buildHeadFromFlags(model, values, ctx)).head;
    const progress = commandProgress(ctx, "images", () =>
      createProgress({
        stream: ctx.stderr,
        label: "images",
        enabled: shouldShowProgress(ctx.stderr, images.length),
      }),
    );
    head.assertSpace(model.space, "classify");
    const { batchSize } = parseRuntimeFlags(values);
    let done = 0;
    let mapped: Awaited<ReturnType<typeof mapFiles<Classification>>>;
    try {
      mapped = await mapFiles(images, batchSize, async (batch) => {
        const out = head.classify(await model.embedImages(batch, { batchSize }), {
          topK,
          mode,
          ...(threshold === undefined ? {} : { threshold }),
        });
        done += batch.length;
        progress.update(done, images.length);
        return out;
      });
    } finally {
      progress.finish();
    }
    const ok = images.flatMap((image, i) => {
      const r = mapped.results[i];
      return r === undefined ? [] : [{ image, r }];
    });
    if (values.json) {
      // Input order; a skipped file keeps its row with the reason instead of labels.
      const failedAt = new Map(mapped.failed.map((f) => [f.path, f]));
      const out = images.map((image, i) => {
        const r = mapped.results[i];
        if (r !== undefined) return { image, top: r.top, ood: r.ood };
        const f = failedAt.get(image);
        return { image, skipped: { code: f?.code ?? "IO_FAILED", message: f?.message ?? "" } };
      });
      ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else if (ok.length > 0) {
      // Nothing classified: stdout stays empty (no lone newline), the reasons are on stderr.
      ctx.stdout.write(
        formatText(
          ok.map((o) => o.image),
          ok.map((o) => o.r),
        ),
      );
    }
    return reportFailures(ctx.stderr, mapped.failed, images.length, values.strict);
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
