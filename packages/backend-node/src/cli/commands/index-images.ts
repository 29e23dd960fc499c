import type { Writable } from "node:stream";
import type { FlatStorage } from "@clipkit/core";
import { openOrCreateFlatIndexFile, saveFlatIndexFile } from "../../retrieval/files.js";
import { type GalleryMetadata, updateGallery } from "../../retrieval/gallery.js";
import { expandImageArgs } from "../../retrieval/walk.js";
import type { Command, CommandContext } from "../command.js";
import { parseFlags, parsePositiveInt, usageError } from "../util/args.js";
import { MODEL_FLAGS, MODEL_FLAGS_USAGE, openModel } from "../util/model.js";

const usage = `Usage: clipkit index <folder|glob|files…> --model DIR --out INDEX [options]

Embeds every image into a search index (an exact cosine index file). Re-running with the same
--out is incremental: files are identified by content hash, so only new or changed files are
embedded and entries of deleted files are removed. Unreadable or undecodable files are skipped
and listed. Progress is saved every --checkpoint images with an atomic replace, so an interrupted
run keeps its work and a kill mid-save leaves the previous index intact.

Options:
  --out FILE          index file to create or update (required)
  --storage S         float32 (default, exact) or int8 (int8 scan + exact re-scoring)
  --checkpoint N      images between saves (default 512)
  --json              print the report as JSON on stdout
${MODEL_FLAGS_USAGE}

Search it with: clipkit search "a dog on a beach" --index FILE --model DIR
`;

/**
 * A one-line `\\r` progress bar with count, rate and ETA, on stderr; silent when stderr is not a
 * terminal, so logs and pipes stay clean. Shared by the indexing commands.
 */
export function rateProgress(stream: Writable, label: string, now: () => number = Date.now) {
  const enabled = Boolean((stream as { isTTY?: boolean }).isTTY);
  const start = now();
  let last = 0;
  let drawn = false;
  return {
    update(done: number, total: number): void {
      const t = now();
      if (!enabled || total === 0 || (done < total && t - last < 100)) return;
      last = t;
      drawn = true;
      const rate = done / Math.max(1e-3, (t - start) / 1000);
      const eta = rate > 0 ? (total - done) / rate : 0;
      const width = 24;
      const filled = Math.round((done / total) * width);
      const bar = `${"#".repeat(filled)}${".".repeat(width - filled)}`;
      stream.write(`\r[${bar}] ${done}/${total} ${label} ${rate.toFixed(1)}/s ETA ${formatEta(eta)}\x1b[K`);
    },
    finish(): void {
      if (drawn) stream.write("\r\x1b[2K");
      drawn = false;
    },
  };
}

function formatEta(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

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
    checkpoint: { type: "string" },
    json: { type: "boolean" },
  });
  if (positionals.length === 0)
    throw usageError("no images given: clipkit index <folder|glob|files…> (see --help)");
  if (!values.out) throw usageError("--out FILE is required", "--out");
  const out = values.out;
  const storage = parseStorage(values.storage);
  const checkpointEvery = parsePositiveInt(values.checkpoint, "--checkpoint", 512);
  const paths = await expandImageArgs(positionals);
  const model = await openModel(values);
  try {
    const { index } = await openOrCreateFlatIndexFile<GalleryMetadata>(out, model.space, { storage });
    const progress = rateProgress(ctx.stderr, "images");
    let report: Awaited<ReturnType<typeof updateGallery>>;
    try {
      report = await updateGallery(index, model, paths, {
        batchSize: parsePositiveInt(values["batch-size"], "--batch-size", 32),
        checkpointEvery,
        checkpoint: () => saveFlatIndexFile(index, out),
        onProgress: (d, t) => progress.update(d, t),
      });
    } finally {
      progress.finish();
    }
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify({ index: out, size: index.size(), ...report }, null, 2)}\n`);
    } else {
      ctx.stdout.write(
        `${out}: ${index.size()} images (${report.added} added, ${report.removed} removed, ${report.unchanged} unchanged, ${report.failed.length} skipped)\n`,
      );
    }
    for (const f of report.failed) ctx.stderr.write(`skipped ${f.path}: [${f.code}] ${f.message}\n`);
    return 0;
  } finally {
    await model.release();
  }
}

/** `clipkit index`: build or update an image search index from a folder, glob or file list. */
export const indexImagesCommand: Command = {
  name: "index",
  summary: "embed a folder of images into a search index (incremental, crash-safe)",
  usage,
  run: indexImages,
};
