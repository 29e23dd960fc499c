import { hubCacheDir, listCachedModels, removeCachedModel } from "@clipkit/backend-node";
import type { Command, CommandContext } from "../command.js";
import { parseFlags, usageError } from "../util/args.js";

const usage = `Usage:
  clipkit cache ls [--json]
  clipkit cache rm <owner/name> [<owner/name> …]

Lists or deletes models in the Hugging Face hub cache (HF_HUB_CACHE, else $HF_HOME/hub, else
~/.cache/huggingface/hub), the cache Python's huggingface_hub shares: 'ls' shows what either
downloaded (size on disk, revisions and the branches/tags pointing at them); 'rm' deletes a model
with all its revisions.
`;

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

async function ls(ctx: CommandContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: "boolean" } });
  if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const models = await listCachedModels();
  if (values.json) {
    ctx.stdout.write(`${JSON.stringify({ cache: hubCacheDir(), models }, null, 2)}\n`);
    return 0;
  }
  ctx.stdout.write(`${hubCacheDir()}\n`);
  for (const m of models) {
    const revisions = m.revisions
      .map((r) => `${r.commit.slice(0, 12)}${r.refs.length > 0 ? ` (${r.refs.join(", ")})` : ""}`)
      .join("; ");
    ctx.stdout.write(`${m.repo.padEnd(40)} ${mb(m.size).padStart(10)}  ${revisions}\n`);
  }
  if (models.length === 0) ctx.stdout.write("(no models cached)\n");
  return 0;
}

async function rm(ctx: CommandContext, argv: readonly string[]): Promise<number> {
  const { positionals } = parseFlags(argv, {});
  if (positionals.length === 0) throw usageError("give the model id(s) to remove (see --help)", "model");
  for (const id of positionals) {
    const freed = await removeCachedModel(id);
    ctx.stdout.write(freed > 0 ? `removed ${id} (${mb(freed)})\n` : `${id} was not cached\n`);
  }
  return 0;
}

/** `clipkit cache ls|rm`: the shared hub cache. */
export const cacheCommand: Command = {
  name: "cache",
  summary: "list or delete models in the hub cache shared with Python",
  usage,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub === "ls") return ls(ctx, rest);
    if (sub === "rm") return rm(ctx, rest);
    throw usageError(`expected 'ls' or 'rm', got ${JSON.stringify(sub ?? "")} (see --help)`, "subcommand");
  },
};
