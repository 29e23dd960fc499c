import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { dirname, extname, join, resolve } from "node:path";
import {
  assertWritableFile,
  type GalleryMetadata,
  nodeBackend,
  openOrCreateFlatIndexFile,
  saveFlatIndexFile,
  updateGallery,
} from "@clipkit/backend-node";
import {
  ADAPTER_METHODS,
  type AdapterMethod,
  buildZeroShotHead,
  ClipkitError,
  createEmbeddings,
  describeSpace,
  type Embeddings,
  saveAdaptedHead,
  seededRandom,
  shuffled,
  trainHeadAsync,
} from "@clipkit/core";
import { buildPrompts } from "@clipkit/prompts";
import type { CommandContext } from "../command.js";
import { parseFlags, parseIntFlag, parseNumber, parsePositiveInt, usageError } from "../util/args.js";
import { embeddingsCachePath } from "../util/cache-dir.js";
import { MODEL_FLAGS, openModel } from "../util/model.js";
import { writeSkipped } from "../util/per-file.js";
import { createProgress, shouldShowProgress } from "../util/progress.js";
import { parseRuntimeFlags } from "../util/runtime.js";
import { templatesFromFlags } from "../util/templates.js";
import { readTextFile } from "../util/text-file.js";

export const HEAD_TRAIN_USAGE = `  clipkit head train <folder-per-class | manifest.jsonl> --method probe|zs-probe|tip|tip-f --out FILE.ckhead
      [--shots K] [--val 0.2] [--seed N] [--loo-queries N|all] [--templates T] [--embeddings-cache FILE.idx] [--model DIR]

train options (few-shot heads on frozen image embeddings; see docs/few-shot.md):
  --method M          probe (linear probe), zs-probe (zero-shot-initialised probe), tip
                      (Tip-Adapter, training-free cache), tip-f (Tip-Adapter-F)
  --shots K           use at most K images per class (a seeded sample)
  --val F             hold out this fraction of each class to choose hyper-parameters, then
                      refit on everything (default: cross-validation on the training images)
  --seed N            seed of the sampling, splits and batch order (default 0)
  --loo-queries N     tip/tip-f leave-one-out search: score at most N examples as queries, a
                      seeded per-class sample (default: all up to 4,096 examples, else
                      at most 2^24 query × example pairs, ≥ 1,024; 'all' scores every one)
  --templates T       prompt templates of the zero-shot head zs-probe/tip/tip-f start from
  --embeddings-cache FILE
                      embedding cache (an exact index file, as 'clipkit index' writes): images
                      are embedded once, re-training is instant. Default: a file per data set
                      and model under $CLIPKIT_CACHE, else $XDG_CACHE_HOME/clipkit, else
                      ~/.cache/clipkit (never next to the data). --cache FILE is the older name
  --out FILE          where to write the head (format v2; 'clipkit classify --head' reads it)
  The training products run on onnxruntime's GEMM: one thread, or --threads N.`;

const IMAGE = new Set([".png", ".jpg", ".jpeg", ".webp", ".gif", ".avif", ".tif", ".tiff", ".bmp"]);

/** Labelled image paths from a folder of class sub-folders or a JSONL manifest ({image, label}). */
async function readTrainingSet(input: string): Promise<{ paths: string[]; labels: string[] }> {
  const paths: string[] = [];
  const labels: string[] = [];
  const info = await stat(input).catch(() => undefined);
  if (info === undefined) {
    throw new ClipkitError("NOT_FOUND", `${input}: no such folder or manifest`, {
      details: { argument: "input", path: input },
    });
  }
  if (!info.isDirectory() && !input.endsWith(".jsonl")) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `${input}: expected a folder of class sub-folders (one per label) or a .jsonl manifest of {"image", "label"} lines`,
      { details: { argument: "input", path: input } },
    );
  }
  if (!info.isDirectory()) {
    // Bounded, UTF-8 only: an image or a device given by mistake is refused, not parsed.
    const lines = (await readTextFile(input, "manifest")).split("\n");
    lines.forEach((line, i) => {
      if (line.trim() === "") return;
      let row: { image?: unknown; label?: unknown };
      try {
        row = JSON.parse(line);
      } catch (error) {
        throw new ClipkitError("INVALID_ARGUMENT", `${input}:${i + 1}: not JSON`, {
          cause: error,
          details: { path: input, line: i + 1 },
        });
      }
      if (typeof row.image !== "string" || typeof row.label !== "string") {
        throw new ClipkitError("INVALID_ARGUMENT", `${input}:${i + 1}: needs string "image" and "label"`, {
          details: { path: input, line: i + 1 },
        });
      }
      paths.push(resolve(dirname(input), row.image));
      labels.push(row.label);
    });
  } else {
    const entries = (await readdir(input, { withFileTypes: true })).filter((e) => e.isDirectory());
    for (const dir of entries.map((e) => e.name).sort()) {
      for (const file of (await readdir(join(input, dir))).sort()) {
        if (!IMAGE.has(extname(file).toLowerCase())) continue;
        paths.push(resolve(input, dir, file));
        labels.push(dir);
      }
    }
  }
  if (paths.length === 0) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `${input}: no labelled images (a folder of class sub-folders, or a .jsonl manifest)`,
      {
        details: { path: input },
      },
    );
  }
  return { paths, labels };
}

/** At most `shots` rows per class, a seeded sample, in input order. */
function limitShots(labels: readonly string[], shots: number | undefined, seed: number): number[] {
  const all = labels.map((_, i) => i);
  if (shots === undefined) return all;
  const byClass = new Map<string, number[]>();
  for (const i of all) byClass.set(labels[i]!, [...(byClass.get(labels[i]!) ?? []), i]);
  const random = seededRandom(seed);
  const keep = [...byClass.keys()].sort().flatMap((k) => shuffled(byClass.get(k)!, random).slice(0, shots));
  return keep.sort((a, b) => a - b);
}

export async function headTrain(ctx: CommandContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...MODEL_FLAGS,
    method: { type: "string" },
    shots: { type: "string" },
    val: { type: "string" },
    seed: { type: "string" },
    "loo-queries": { type: "string" },
    templates: { type: "string", multiple: true },
    "embeddings-cache": { type: "string" },
    cache: { type: "string" },
    out: { type: "string" },
  });
  if (positionals.length !== 1) throw usageError("head train takes one folder-per-class or manifest.jsonl");
  const input = positionals[0]!;
  const method = values.method as AdapterMethod;
  if (!ADAPTER_METHODS.includes(method))
    throw usageError(`--method must be one of ${ADAPTER_METHODS.join(", ")}`, "--method");
  if (!values.out) throw usageError("--out FILE is required", "--out");
  if (values.cache !== undefined && values["embeddings-cache"] !== undefined)
    throw usageError("give --embeddings-cache FILE (--cache is its older name), not both", "--cache");
  const shots = values.shots === undefined ? undefined : parsePositiveInt(values.shots, "--shots", 1);
  const val = parseNumber(values.val, "--val");
  if (val !== undefined && !(val > 0 && val < 1))
    throw usageError("--val must be a fraction in (0, 1)", "--val");
  const seed = values.seed === undefined ? 0 : parseIntFlag(values.seed, "--seed", 0, 0);
  const looQueries =
    values["loo-queries"] === undefined
      ? undefined
      : values["loo-queries"] === "all"
        ? Number.POSITIVE_INFINITY
        : parsePositiveInt(values["loo-queries"], "--loo-queries", 1);
  const runtime = parseRuntimeFlags(values);
  // Before any image is embedded: a bad --out or --embeddings-cache is found now, not after.
  await assertWritableFile(values.out, "--out");
  const given = values["embeddings-cache"] ?? values.cache;
  if (given !== undefined)
    await assertWritableFile(given, values.cache === undefined ? "--embeddings-cache" : "--cache");
  const set = await readTrainingSet(input);
  const rows = limitShots(set.labels, shots, seed);
  const paths = rows.map((r) => set.paths[r]!);
  const labels = rows.map((r) => set.labels[r]!);
  const classes = [...new Set(labels)].sort();
  const model = await openModel(values, ctx.stderr);
  try {
    // 1. Embeddings, cached in an exact index file keyed by content hash: only new files are embedded.
    const cachePath = given ?? embeddingsCachePath(input, model.space);
    if (given === undefined) await mkdir(dirname(cachePath), { recursive: true });
    const { index } = await openOrCreateFlatIndexFile<GalleryMetadata>(cachePath, model.space);
    const progress = createProgress({
      stream: ctx.stderr,
      label: "images",
      enabled: shouldShowProgress(ctx.stderr, paths.length),
    });
    let report: Awaited<ReturnType<typeof updateGallery>>;
    try {
      report = await updateGallery(index, model, paths, {
        inScope: () => false,
        onProgress: (d, t) => progress.update(d, t),
        checkpoint: () => saveFlatIndexFile(index, cachePath),
      });
    } finally {
      progress.finish();
    }
    await saveFlatIndexFile(index, cachePath);
    if (report.failed.length > 0) {
      // Every image of a training set counts (its label is in the manifest): list each bad one, then stop.
      writeSkipped(ctx.stderr, report.failed);
      const first = report.failed[0]!;
      throw new ClipkitError(
        first.code === "NOT_FOUND" ? "NOT_FOUND" : "IMAGE_DECODE_FAILED",
        `${report.failed.length} of ${paths.length} training images could not be read (listed above); fix or remove them from ${input}`,
        { details: { path: first.path, failed: report.failed.length } },
      );
    }
    const state = index.state();
    const rowOf = new Map<string, number>();
    state.metadata.forEach((m, row) => {
      for (const p of m?.paths ?? (m ? [m.path] : [])) rowOf.set(resolve(p), row);
    });
    const dim = model.space.dim;
    const data = new Float32Array(paths.length * dim);
    paths.forEach((p, i) => {
      const row = rowOf.get(resolve(p));
      if (row === undefined)
        throw new ClipkitError("NOT_FOUND", `${p} is missing from the embedding cache ${cachePath}`, {
          details: { path: p },
        });
      data.set(state.vectors!.subarray(row * dim, (row + 1) * dim), i * dim);
    });
    const embeddings: Embeddings = createEmbeddings(data, paths.length, state.space);
    ctx.stderr.write(
      `${paths.length} images of ${classes.length} classes (${report.added} embedded, ${paths.length - report.added} from ${cachePath})\n`,
    );

    // 2. Zero-shot head over the class names (the starting point of every method but probe).
    const templates = templatesFromFlags(values.templates);
    const zeroShot =
      method === "probe" ? undefined : await buildZeroShotHead(model, buildPrompts(classes, templates));

    // 3. Train, with a progress line over the hyper-parameter fits.
    const started = performance.now();
    const fits = createProgress({
      stream: ctx.stderr,
      label: "fits",
      enabled: shouldShowProgress(ctx.stderr, 2, 1),
    });
    let head: Awaited<ReturnType<typeof trainHeadAsync>>;
    try {
      // The large products (X·Wᵀ, similarities, gradients) run on onnxruntime's GEMM (MLAS).
      head = await trainHeadAsync(
        method,
        { embeddings, labels },
        {
          zeroShot,
          seed,
          classes: zeroShot?.labels ?? classes,
          ...(val === undefined ? {} : { valFraction: val }),
          ...(looQueries === undefined ? {} : { looQueries }),
          onProgress: (d, t) => fits.update(d, t),
          backend: nodeBackend(runtime.backend),
        },
      );
    } finally {
      fits.finish();
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    await writeFile(
      values.out,
      saveAdaptedHead(head, {
        createdBy: "clipkit head train",
        source: input,
        templates,
        createdAt: new Date().toISOString(),
      }),
    );
    const a = head.adapter;
    const held = a.heldOut
      ? `${a.selection === "validation" ? "validation" : `${a.selection} held-out`} top-1 ${(100 * a.heldOut.accuracy).toFixed(1)} %, cross-entropy ${a.heldOut.loss.toFixed(3)}`
      : "no held-out data (one image per class): default hyper-parameters";
    ctx.stdout.write(
      [
        `wrote ${values.out}: ${method} head, ${head.size} classes, ${a.examples} images (≥ ${a.shots} per class), seed ${a.seed}, ${describeSpace(head.space)}`,
        `trained in ${seconds} s; chose ${Object.entries(a.hyper)
          .map(([k, v]) => `${k} ${v}`)
          .join(
            ", ",
          )} by ${a.selection}${a.looQueries === undefined ? "" : ` (${a.looQueries} of ${a.examples} examples as queries)`}`,
        `validation: ${held}`,
        "",
      ].join("\n"),
    );
    return 0;
  } finally {
    await model.release();
  }
}
