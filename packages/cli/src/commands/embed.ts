import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ImageInput } from "@clipkit/backend-node";
import { ClipkitError, isClipkitError, type LoadedClipModel } from "@clipkit/core";
import type { Command, CommandContext } from "../command.js";
import { MAX_BATCH_SIZE, parseFlags, parsePositiveInt, readListFile, usageError } from "../util/args.js";
import { expandInputs, WALK_FLAGS, WALK_USAGE } from "../util/inputs.js";
import { MODEL_FLAGS, MODEL_FLAGS_USAGE, openModel } from "../util/model.js";
import { NpyWriter } from "../util/npy.js";
import {
  type FileFailure,
  fileFailure,
  isRunWide,
  reportFailures,
  STRICT_FLAG,
  STRICT_USAGE,
} from "../util/per-file.js";
import { commandProgress, createRateBar } from "../util/progress.js";

const usage = `Usage: clipkit embed <images|folders|globs…> --out DIR [options]
       clipkit embed --texts FILE --out DIR [options]

Exports embeddings the way clip-retrieval's inference does, for use outside clipkit (numpy,
faiss, autofaiss, embedding-reader):

  DIR/img_emb/img_emb_0.npy        float32 [images, dim], L2-normalised, one row per image
  DIR/text_emb/text_emb_0.npy      float32 [texts, dim] (with --texts)
  DIR/metadata/metadata_0.jsonl    one JSON object per row, same order: {"image_path": …}
                                   and/or {"caption": …}
  DIR/space.json                   the embedding space (model id, dim, scoring) for re-use

With both images and --texts the two lists are pairs (same count, same order), as in a
captioned dataset. Images that cannot be read or decoded are skipped and listed on stderr (they
get no row). Memory stays at one batch.

Options:
  --out DIR           output folder (created)
  --texts FILE        texts to embed, one per line (# comments and blank lines skipped)
${STRICT_USAGE}
${WALK_USAGE}
${MODEL_FLAGS_USAGE}
`;

interface Row {
  image_path?: string;
  caption?: string;
}

/**
 * Creates the `--out` folder before the model loads, so a file in the way or a folder that cannot
 * be created is one `IO_FAILED` naming `--out`, not a crash after the images were embedded.
 */
async function prepareOutDir(out: string): Promise<void> {
  const info = await stat(out).catch(() => undefined);
  if (info && !info.isDirectory()) {
    throw new ClipkitError(
      "IO_FAILED",
      `--out ${out} exists and is not a folder; give a folder (created when missing)`,
      {
        details: { argument: "--out", path: out },
      },
    );
  }
  try {
    await mkdir(out, { recursive: true });
  } catch (error) {
    throw new ClipkitError(
      "IO_FAILED",
      `--out ${out}: cannot create the folder: ${(error as Error).message}`,
      {
        cause: error,
        details: { argument: "--out", path: out },
      },
    );
  }
}

/** The files an export consists of, relative to `--out`. */
const OUTPUTS = [
  "img_emb/img_emb_0.npy",
  "text_emb/text_emb_0.npy",
  "metadata/metadata_0.jsonl",
  "space.json",
];

/**
 * Removes this command's output files from `out` (nothing else in it): before a run, so a file
 * left by an earlier run (a text_emb from a run with --texts) never sits beside rows it does not
 * match; after Ctrl-C, so no half-written export looks complete.
 */
async function removeOutputs(out: string): Promise<void> {
  await Promise.all(OUTPUTS.map((f) => rm(join(out, f), { force: true })));
}

/** Embeds `paths` in batches into `writer`; a failing batch is retried file by file. */
async function embedImagesTo(
  model: LoadedClipModel<ImageInput>,
  paths: readonly string[],
  batchSize: number,
  writer: NpyWriter,
  ctx: CommandContext,
): Promise<{ kept: number[]; failed: FileFailure[] }> {
  const kept: number[] = [];
  const failed: FileFailure[] = [];
  const progress = commandProgress(ctx, "images embedded", () => createRateBar(ctx.stderr, "images"));
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  try {
    for (let start = 0; start < paths.length; start += batchSize) {
      const batch = paths.slice(start, start + batchSize).map((path, j) => ({ path, i: start + j }));
      try {
        const e = await model.embedImages(
          batch.map((b) => b.path),
          signal,
        );
        await writer.append(e.data);
        kept.push(...batch.map((b) => b.i));
      } catch (error) {
        if (isRunWide(error)) throw error;
        for (const b of batch) {
          try {
            await writer.append((await model.embedImages([b.path], signal)).data);
            kept.push(b.i);
          } catch (one) {
            if (isRunWide(one)) throw one;
            failed.push(fileFailure(b.path, one));
          }
        }
      }
      progress.update(Math.min(paths.length, start + batchSize), paths.length);
    }
  } finally {
    progress.finish();
  }
  return { kept, failed };
}

async function embed(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseFlags(ctx.argv, {
    ...MODEL_FLAGS,
    ...WALK_FLAGS,
    out: { type: "string" },
    texts: { type: "string" },
    ...STRICT_FLAG,
  });
  if (!values.out) throw usageError("--out DIR is required", "--out");
  if (positionals.length === 0 && !values.texts)
    throw usageError("nothing to embed: give images/folders/globs and/or --texts FILE (see --help)");
  // Plain file arguments keep their order (pairs with --texts line up); folders and globs expand.
  const paths = positionals.length > 0 ? await expandInputs(positionals, values, ctx.stderr) : [];
  const texts = values.texts ? await readListFile(values.texts, "--texts") : [];
  if (paths.length > 0 && texts.length > 0 && paths.length !== texts.length) {
    throw usageError(
      `${paths.length} images but ${texts.length} texts: with both, they are image–caption pairs and must match`,
      "--texts",
    );
  }
  const batchSize = parsePositiveInt(values["batch-size"], "--batch-size", 32, MAX_BATCH_SIZE);
  const out = values.out;
  await prepareOutDir(out);
  await removeOutputs(out);
  const model = await openModel(values, ctx.stderr);
  try {
    return await exportTo(ctx, model, { out, paths, texts, batchSize, strict: values.strict });
  } catch (error) {
    if (!isClipkitError(error, "ABORTED")) throw error;
    // embed is not incremental: a partial export would only mislead (rows without metadata).
    await removeOutputs(out);
    ctx.stderr.write(
      `clipkit embed: interrupted; removed the partial export from ${out}; re-run the command to export again\n`,
    );
    return 130;
  } finally {
    await model.release();
  }
}

/** Writes the export: image rows, text rows, metadata and space.json. */
async function exportTo(
  ctx: CommandContext,
  model: LoadedClipModel<ImageInput>,
  o: {
    out: string;
    paths: readonly string[];
    texts: readonly string[];
    batchSize: number;
    strict: boolean | undefined;
  },
): Promise<number> {
  const { out, paths, texts, batchSize } = o;
  const rows: Row[] = [];
  let failed: FileFailure[] = [];
  const report: Record<string, unknown> = { out, dim: model.space.dim };
  let keptImages: number[] | undefined;
  if (paths.length > 0) {
    await mkdir(join(out, "img_emb"), { recursive: true });
    const writer = await NpyWriter.create(join(out, "img_emb", "img_emb_0.npy"), model.space.dim);
    let result: Awaited<ReturnType<typeof embedImagesTo>>;
    try {
      result = await embedImagesTo(model, paths, batchSize, writer, ctx);
    } finally {
      await writer.close();
    }
    keptImages = result.kept;
    failed = result.failed;
    for (const i of result.kept) rows.push({ image_path: paths[i]! });
    report.images = result.kept.length;
    report.skipped = result.failed.length;
  }
  if (texts.length > 0) {
    // Pairs keep only the captions of images that embedded, so every row stays aligned.
    const kept = keptImages ? keptImages.map((i) => texts[i]!) : texts;
    await mkdir(join(out, "text_emb"), { recursive: true });
    const writer = await NpyWriter.create(join(out, "text_emb", "text_emb_0.npy"), model.space.dim);
    try {
      for (let start = 0; start < kept.length; start += batchSize) {
        await writer.append((await model.embedTexts(kept.slice(start, start + batchSize))).data);
      }
    } finally {
      await writer.close();
    }
    if (keptImages) {
      for (const [r, caption] of kept.entries()) rows[r]!.caption = caption;
    } else {
      for (const caption of kept) rows.push({ caption });
    }
    report.texts = kept.length;
  }
  await mkdir(join(out, "metadata"), { recursive: true });
  await writeFile(
    join(out, "metadata", "metadata_0.jsonl"),
    rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length > 0 ? "\n" : ""),
  );
  await writeFile(join(out, "space.json"), `${JSON.stringify(model.space, null, 2)}\n`);
  ctx.stdout.write(
    `${out}: ${[report.images === undefined ? "" : `${report.images} image embeddings`, report.texts === undefined ? "" : `${report.texts} text embeddings`].filter(Boolean).join(" + ")} (${model.space.dim}-d float32 .npy) + metadata_0.jsonl\n`,
  );
  return reportFailures(ctx.stderr, failed, paths.length, o.strict);
}

/** `clipkit embed`: export image/text embeddings as `.npy` + JSON Lines metadata. */
export const embedCommand: Command = {
  name: "embed",
  summary: "export image/text embeddings as .npy + JSONL metadata (clip-retrieval layout)",
  usage,
  interruptible: true,
  run: embed,
};
