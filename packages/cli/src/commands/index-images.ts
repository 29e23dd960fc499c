import {
  assertWritableFile,
  expandImages,
  type GalleryMetadata,
  lockIndexFile,
  openOrCreateIndexFile,
  saveIndexFile,
  scopeOf,
  type UsearchIndexOptions,
  updateGallery,
} from "@clipkit/backend-node";
import { ClipkitError, type FlatStorage, isClipkitError } from "@clipkit/core";
import type { Command, CommandContext } from "../command.js";
import {
  MAX_BATCH_SIZE,
  MAX_HNSW_CONNECTIVITY,
  MAX_HNSW_EF,
  parseFlags,
  parsePositiveInt,
  usageError,
} from "../util/args.js";
import { reportIgnored, WALK_FLAGS, WALK_USAGE } from "../util/inputs.js";
import { MODEL_FLAGS, MODEL_FLAGS_USAGE, openModel } from "../util/model.js";
import { cleanFailures, writeSkipped } from "../util/per-file.js";
import { commandProgress, createRateBar } from "../util/progress.js";
import { indexToPostgres, POSTGRES_INDEX_FLAGS, POSTGRES_INDEX_USAGE } from "./index-postgres.js";

/** The HNSW flags shared by the indexing commands. */
export const ANN_FLAGS = {
  ann: { type: "boolean" },
  connectivity: { type: "string" },
  ef: { type: "string" },
  "ef-construction": { type: "string" },
} as const;

/** Help text of {@link ANN_FLAGS}. */
export const ANN_FLAGS_USAGE = `  --ann               build an approximate HNSW index (usearch) instead of an exact one
  --connectivity M    HNSW graph degree, fixed at creation (default 16)
  --ef N              default search candidate list size stored in the index (default 64)
  --ef-construction N insert candidate list size (default 128)`;

const usage = `Usage: clipkit index <folder|glob|files…> --model DIR --out INDEX [options]
       clipkit index FOLDER --model DIR --to postgres://… [--workers N] [options]

Embeds every image into a search index: an exact cosine index file, or with --ann an
approximate HNSW one (usearch; sub-linear search for large galleries). Re-running with the same
--out is incremental: files are identified by content hash, so only new or changed files are
embedded. Each entry records every current path with its content (a moved or renamed file keeps
its entry under its new path; identical files share one entry and are reported as duplicates).
A run reconciles only what its arguments cover: entries of deleted files under the given folders
are removed, while entries from other folders indexed into the same file are kept (--prune also
drops those whose files no longer exist). One process at a time updates an index: a second run
fails with INDEX_LOCKED (or waits with --wait). Unreadable or undecodable files are skipped and
listed; what a folder walk ignores is summarised. Progress is saved every --checkpoint images with an atomic replace, so an interrupted
run keeps its work and a kill mid-save leaves the previous index intact; Ctrl-C saves what was
embedded so far before exiting (exit code 130). An existing index keeps
its kind: --ann is needed only to create an HNSW index (or to change its --ef values).

Options:
  --out FILE          index file to create or update (required)
  --storage S         float32 (default, exact) or int8 (int8 scan + exact re-scoring)
${ANN_FLAGS_USAGE}
  --checkpoint N      images between saves (default 512)
  --prune             also remove entries outside the given folders whose files are gone
  --wait              wait for another process updating the same index instead of failing
  --json              print the report as JSON on stdout
${WALK_USAGE}
${MODEL_FLAGS_USAGE}

${POSTGRES_INDEX_USAGE}

With --to, the folder's files become jobs in a table NAME_jobs; every run of the same command, on
any machine, claims batches with FOR UPDATE SKIP LOCKED, embeds them and commits rows and job
completion in one transaction, until no job is left. Re-runs skip unchanged files (size, mtime,
then content hash); a file that fails is recorded with its error and never blocks the others.

Search it with: clipkit search "a dog on a beach" --index FILE --model DIR
Serve it with:  clipkit serve --index FILE|postgres://… --model DIR
`;

/**
 * Parses {@link ANN_FLAGS}: HNSW options when `--ann` is given, else `undefined`. The tuning
 * flags without --ann, or --ann with --storage, are usage errors rather than silently ignored.
 */
export function parseAnnFlags(values: {
  ann?: boolean;
  connectivity?: string;
  ef?: string;
  "ef-construction"?: string;
  storage?: string;
}): UsearchIndexOptions | undefined {
  if (!values.ann) {
    for (const flag of ["connectivity", "ef", "ef-construction"] as const) {
      if (values[flag] !== undefined) throw usageError(`--${flag} needs --ann`, `--${flag}`);
    }
    return undefined;
  }
  if (values.storage !== undefined)
    throw usageError("--storage applies to exact indexes; an --ann index stores float32", "--storage");
  const int = (flag: "connectivity" | "ef" | "ef-construction") =>
    values[flag] === undefined
      ? undefined
      : parsePositiveInt(
          values[flag],
          `--${flag}`,
          1,
          flag === "connectivity" ? MAX_HNSW_CONNECTIVITY : MAX_HNSW_EF,
        );
  return {
    connectivity: int("connectivity"),
    expansionSearch: int("ef"),
    expansionAdd: int("ef-construction"),
  };
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** Parses `--storage`. */
export function parseStorage(value: string | undefined): FlatStorage {
  if (value === undefined || value === "float32" || value === "int8") return value ?? "float32";
  throw usageError(`--storage must be float32 or int8, got ${JSON.stringify(value)}`, "--storage");
}

async function indexImages(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseFlags(ctx.argv, {
    ...MODEL_FLAGS,
    out: { type: "string" },
    storage: { type: "string" },
    ...ANN_FLAGS,
    checkpoint: { type: "string" },
    json: { type: "boolean" },
    prune: { type: "boolean" },
    wait: { type: "boolean" },
    ...WALK_FLAGS,
    ...POSTGRES_INDEX_FLAGS,
  });
  if (positionals.length === 0)
    throw usageError("no images given: clipkit index <folder|glob|files…> (see --help)");
  if (values.to !== undefined) {
    if (values.out !== undefined) throw usageError("give either --out FILE or --to postgres://…", "--to");
    return indexToPostgres(ctx, values, positionals, parseAnnFlags(values));
  }
  for (const flag of Object.keys(POSTGRES_INDEX_FLAGS)) {
    if (flag !== "to" && values[flag as keyof typeof POSTGRES_INDEX_FLAGS] !== undefined)
      throw usageError(`--${flag} needs --to postgres://…`, `--${flag}`);
  }
  if (!values.out) throw usageError("--out FILE is required", "--out");
  const out = values.out;
  const storage = parseStorage(values.storage);
  const ann = parseAnnFlags(values);
  const checkpointEvery = parsePositiveInt(values.checkpoint, "--checkpoint", 512);
  const expanded = await expandImages(positionals, { followSymlinks: values["follow-symlinks"] ?? false });
  reportIgnored(ctx.stderr, expanded.ignored, values["list-ignored"]);
  if (expanded.paths.length === 0 && !values.prune) {
    throw new ClipkitError("NOT_FOUND", `no images matched ${positionals.join(" ")}`, {
      details: { argument: "images" },
    });
  }
  // Before loading the model or embedding anything: a bad --out is found now, with its real path.
  await assertWritableFile(out, "--out");
  const lock = await lockIndexFile(out, { wait: values.wait ?? false });
  try {
    const model = await openModel(values);
    try {
      const loaded = await openOrCreateIndexFile<GalleryMetadata>(out, model.space, {
        flat: { storage },
        ...(ann ? { ann } : {}),
      });
      const { index } = loaded;
      const hashing = commandProgress(ctx, "files hashed", () => createRateBar(ctx.stderr, "files hashed"));
      const progress = commandProgress(ctx, "images embedded", () => createRateBar(ctx.stderr, "images"));
      let embedding = false;
      // New images this run has to embed and has embedded, for the interrupt message.
      let done = 0;
      let todo = 0;
      let report: Awaited<ReturnType<typeof updateGallery>>;
      try {
        report = await updateGallery(index, model, expanded.paths, {
          batchSize: parsePositiveInt(values["batch-size"], "--batch-size", 32, MAX_BATCH_SIZE),
          checkpointEvery,
          checkpoint: () => {
            lock.assertHeld();
            return saveIndexFile(loaded, out);
          },
          onHashProgress: (d, t) => hashing.update(d, t),
          onProgress: (d, t) => {
            if (!embedding) hashing.finish();
            embedding = true;
            done = d;
            todo = t;
            progress.update(d, t);
          },
          // Only what these arguments cover is reconciled: other roots' entries stay.
          inScope: scopeOf(positionals),
          prune: values.prune ?? false,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        });
      } catch (error) {
        if (!isClipkitError(error, "ABORTED")) throw error;
        hashing.finish();
        progress.finish();
        // Ctrl-C: what was embedded so far is kept, so a re-run resumes instead of starting over.
        if (!embedding) {
          ctx.stderr.write(`clipkit index: interrupted while hashing files; ${out} is unchanged\n`);
        } else {
          lock.assertHeld();
          await saveIndexFile(loaded, out);
          ctx.stderr.write(
            `clipkit index: interrupted after embedding ${done} of ${todo} new images; saved them to ${out} (${plural(index.size(), "image")} in it now); re-run the same command to embed the rest\n`,
          );
        }
        return 130;
      } finally {
        hashing.finish();
        progress.finish();
      }
      const failed = cleanFailures(report.failed);
      if (values.json) {
        ctx.stdout.write(
          `${JSON.stringify({ index: out, kind: loaded.kind, size: index.size(), ...report, failed, ignored: expanded.ignored }, null, 2)}\n`,
        );
      } else {
        ctx.stdout.write(
          `${out}: ${plural(index.size(), "image")} in ${loaded.kind === "usearch" ? "an HNSW" : "an exact"} index (${report.added} added, ${report.removed} removed, ${report.unchanged} unchanged, ${report.moved} moved, ${report.kept} kept from other folders, ${report.failed.length} skipped)\n`,
        );
      }
      for (const d of report.duplicates) {
        ctx.stderr.write(`duplicate content (one entry): ${d.paths.join(", ")}\n`);
      }
      writeSkipped(ctx.stderr, failed);
      return 0;
    } finally {
      await model.release();
    }
  } finally {
    await lock.release();
  }
}

/** `clipkit index`: build or update an image search index from a folder, glob or file list. */
export const indexImagesCommand: Command = {
  name: "index",
  summary: "embed a folder of images into a search index (incremental, crash-safe)",
  usage,
  interruptible: true,
  run: indexImages,
};
