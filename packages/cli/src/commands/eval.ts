import {
  type EvalManifest,
  evaluateRetrieval,
  evaluateZeroShot,
  formatRetrieval,
  formatZeroShot,
  readEvalManifest,
  type ZeroShotReport,
} from "@clipkit/backend-node";
import { concatEmbeddings, createEmbeddings, type Embeddings } from "@clipkit/core";
import type { Command, CommandContext } from "../command.js";
import { parseFlags, parseList, usageError } from "../util/args.js";
import { MODEL_FLAGS, MODEL_FLAGS_USAGE, openModel } from "../util/model.js";
import { mapFiles, reportFailures, STRICT_FLAG, STRICT_USAGE } from "../util/per-file.js";
import { commandProgress, createProgress, shouldShowProgress } from "../util/progress.js";
import { parseRuntimeFlags } from "../util/runtime.js";
import { DEFAULT_TEMPLATES, templatesFromFlags } from "../util/templates.js";

const usage = `Usage: clipkit eval zeroshot --data MANIFEST [--templates SET]… [options]
       clipkit eval retrieval --data MANIFEST [options]

Benchmarks a model on labelled images, CLIP_benchmark style.

  zeroshot    top-1, top-5 and mean per-class recall; the classes are the manifest's labels
              (plus its optional "classes" list). Each --templates value is evaluated as its own
              set (a pack such as emoji, imagenet80, bare, photo, or a literal "{}" template;
              default ${DEFAULT_TEMPLATES}), sharing one pass over the images.
  retrieval   text→image and image→text recall@k over the manifest's captions (an image counts as
              found when any of its captions ranks in the top k).

Manifest: JSON Lines of {"image": "path.png", "label": "cat face", "captions": ["a cat face"]}
(paths relative to the manifest), a JSON array of those, or {"classes": [...], "items": [...]}.
An image that cannot be read or decoded is skipped with a report on stderr and left out of the
metrics (its label stays a class); the exit code is non-zero only when no image succeeded, or
with --strict when any failed.

Options:
  --data FILE         the manifest (required)
  --templates SET     zero-shot template set (repeatable: one result per set)
  --k 1,5             the k values (default 1,5 for zeroshot, 1,5,10 for retrieval)
  --json              print the reports as JSON instead of tables (with "skipped" files, if any)
${STRICT_USAGE}
${MODEL_FLAGS_USAGE}
  Without --model the bundled demo model (@clipkit/model-emoji) is used.
`;

function parseKs(value: string | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  const ks = parseList(value).map(Number);
  if (ks.length === 0 || !ks.every((k) => Number.isInteger(k) && k >= 1)) {
    throw usageError(`--k must list positive integers, got ${JSON.stringify(value)}`, "--k");
  }
  return ks;
}

async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseFlags(ctx.argv, {
    ...MODEL_FLAGS,
    data: { type: "string" },
    templates: { type: "string", multiple: true },
    k: { type: "string" },
    json: { type: "boolean" },
    ...STRICT_FLAG,
  });
  const [task, ...extra] = positionals;
  if (task !== "zeroshot" && task !== "retrieval") {
    throw usageError("name the task: clipkit eval zeroshot|retrieval --data MANIFEST (see --help)");
  }
  if (extra.length > 0) throw usageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (!values.data) throw usageError("--data MANIFEST is required", "--data");
  if (task === "retrieval" && values.templates) {
    throw usageError("--templates applies to zeroshot only", "--templates");
  }
  const read = await readEvalManifest(values.data);
  const model = await openModel(values);
  try {
    const progress = commandProgress(ctx, "images", () =>
      createProgress({
        stream: ctx.stderr,
        label: "images",
        enabled: shouldShowProgress(ctx.stderr, read.items.length),
      }),
    );
    const { batchSize } = parseRuntimeFlags(values);
    let done = 0;
    let mapped: Awaited<ReturnType<typeof mapFiles<Embeddings>>>;
    try {
      mapped = await mapFiles(
        read.items.map((it) => it.image),
        batchSize,
        async (batch) => {
          const e = await model.embedImages(batch, { batchSize });
          done += batch.length;
          progress.update(done, read.items.length);
          return batch.map((_, i) => createEmbeddings(e.data.slice(i * e.dim, (i + 1) * e.dim), 1, e.space));
        },
      );
    } finally {
      progress.finish();
    }
    const status = reportFailures(ctx.stderr, mapped.failed, read.items.length, values.strict);
    if (status !== 0) return status;
    // Skipped images leave the benchmark; their labels stay in the class set, so the task (and
    // chance level) is the same as with every image present.
    const kept = read.items.filter((_, i) => mapped.results[i] !== undefined);
    const manifest: EvalManifest = {
      ...read,
      items: kept,
      extraClasses: [
        ...read.extraClasses,
        ...read.items.flatMap((it, i) => (mapped.results[i] === undefined && it.label ? [it.label] : [])),
      ],
    };
    const images = concatEmbeddings(
      mapped.results.filter((e): e is Embeddings => e !== undefined),
      model.space,
    );
    const skipped = mapped.failed.length > 0 ? { skipped: mapped.failed } : {};
    if (task === "retrieval") {
      const report = await evaluateRetrieval(model, manifest, { images, ks: parseKs(values.k, [1, 5, 10]) });
      ctx.stdout.write(
        values.json ? `${JSON.stringify({ ...report, ...skipped }, null, 2)}\n` : formatRetrieval(report),
      );
      return 0;
    }
    const ks = parseKs(values.k, [1, 5]);
    const sets = values.templates ?? [DEFAULT_TEMPLATES];
    const reports: ZeroShotReport[] = [];
    for (const set of sets) {
      const report = await evaluateZeroShot(model, manifest, templatesFromFlags([set]), { images, ks });
      reports.push(report);
      if (!values.json) ctx.stdout.write(`${formatZeroShot(report)}\n`);
    }
    if (values.json) {
      const out = reports.map((r, i) => ({ set: sets[i], ...r, labels: undefined, ...skipped }));
      ctx.stdout.write(`${JSON.stringify(out.length === 1 ? out[0] : out, null, 2)}\n`);
    }
    return 0;
  } finally {
    await model.release();
  }
}

/** `clipkit eval`: zero-shot and retrieval benchmarks on a manifest of labelled images. */
export const evalCommand: Command = {
  name: "eval",
  summary: "benchmark a model: zero-shot top-k / per-class recall, retrieval recall@k",
  usage,
  run,
};
