import {
  assertWritableFile,
  lockIndexFile,
  openOrCreateIndexFile,
  saveIndexFile,
} from "@clipkit/backend-node";
import type { Command, CommandContext } from "../command.js";
import { MAX_BATCH_SIZE, parseFlags, parsePositiveInt, readListFile, usageError } from "../util/args.js";
import { MODEL_FLAGS, MODEL_FLAGS_USAGE, openModel } from "../util/model.js";
import { commandProgress, createRateBar } from "../util/progress.js";
import { ANN_FLAGS, ANN_FLAGS_USAGE, parseAnnFlags, parseStorage } from "./index-images.js";

const usage = `Usage: clipkit index-texts CAPTIONS.txt --model DIR --out INDEX [options]

Embeds captions (one per line; blank lines and # comments skipped) into a search index, for
image → text search: clipkit search --image photo.jpg --index INDEX --model DIR.
Re-running is incremental: captions already in the index are kept, removed lines are dropped.
With --ann the index is an approximate HNSW one (usearch); an existing index keeps its kind.

Options:
  --out FILE          index file to create or update (required)
  --storage S         float32 (default) or int8
${ANN_FLAGS_USAGE}
  --json              print the report as JSON on stdout
  --wait              wait for another process updating the same index instead of failing
${MODEL_FLAGS_USAGE}
`;

/** Metadata stored with each caption. */
interface CaptionMetadata extends Record<string, unknown> {
  text: string;
}

async function indexTexts(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseFlags(ctx.argv, {
    ...MODEL_FLAGS,
    out: { type: "string" },
    storage: { type: "string" },
    ...ANN_FLAGS,
    json: { type: "boolean" },
    wait: { type: "boolean" },
  });
  if (positionals.length !== 1)
    throw usageError("give one captions file: clipkit index-texts CAPTIONS.txt (see --help)");
  if (!values.out) throw usageError("--out FILE is required", "--out");
  const out = values.out;
  const captions = [...new Set(await readListFile(positionals[0]!, "captions"))];
  if (captions.length === 0) throw usageError(`${positionals[0]} holds no captions`, "captions");
  const storage = parseStorage(values.storage);
  const ann = parseAnnFlags(values);
  const batchSize = parsePositiveInt(values["batch-size"], "--batch-size", 32, MAX_BATCH_SIZE);
  await assertWritableFile(out, "--out");
  const lock = await lockIndexFile(out, { wait: values.wait ?? false });
  const model = await openModel(values).catch(async (error) => {
    await lock.release();
    throw error;
  });
  try {
    const loaded = await openOrCreateIndexFile<CaptionMetadata>(out, model.space, {
      flat: { storage },
      ...(ann ? { ann } : {}),
    });
    const { index } = loaded;
    // The caption itself is the id: re-running skips captions already embedded.
    const keep = new Set(captions);
    const removed = index.remove(index.state().ids.filter((id) => !keep.has(id)));
    const todo = captions.filter((c) => !index.has(c));
    const progress = commandProgress(ctx, "captions", () => createRateBar(ctx.stderr, "captions"));
    try {
      for (let start = 0; start < todo.length; start += batchSize) {
        const batch = todo.slice(start, start + batchSize);
        const e = await model.embedTexts(batch);
        index.add(
          batch,
          e,
          batch.map((text) => ({ text })),
        );
        progress.update(start + batch.length, todo.length);
      }
    } finally {
      progress.finish();
    }
    lock.assertHeld();
    await saveIndexFile(loaded, out);
    const report = {
      index: out,
      kind: loaded.kind,
      size: index.size(),
      added: todo.length,
      removed,
      unchanged: captions.length - todo.length,
    };
    if (values.json) ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else
      ctx.stdout.write(
        `${out}: ${report.size} captions (${report.added} added, ${removed} removed, ${report.unchanged} unchanged)\n`,
      );
    return 0;
  } finally {
    await model.release();
    await lock.release();
  }
}

/** `clipkit index-texts`: build or update a caption index for image → text search. */
export const indexTextsCommand: Command = {
  name: "index-texts",
  summary: "embed captions (one per line) into a search index for image → text search",
  usage,
  run: indexTexts,
};
