import { readFile } from "node:fs/promises";
import { readHeadFileInfo, saveHeadFile } from "@clipkit/backend-node";
import {
  ADAPTED_HEAD_FORMAT_VERSION,
  type AdapterRecord,
  ClipkitError,
  describeSpace,
  isClipkitError,
  loadAdaptedHead,
  readHeadHeader,
} from "@clipkit/core";
import type { Command, CommandContext } from "../command.js";
import { parseFlags, usageError } from "../util/args.js";
import { MODEL_FLAGS, MODEL_FLAGS_USAGE, openModel } from "../util/model.js";
import { buildHeadFromFlags, HEAD_FLAGS, HEAD_FLAGS_USAGE } from "../util/zeroshot.js";
import { HEAD_TRAIN_USAGE, headTrain } from "./head-train.js";

const usage = `Usage:
  clipkit head build [--model DIR] --labels a,b,c [--templates T] --out FILE.head
  clipkit head info FILE.head [--json]
${HEAD_TRAIN_USAGE}

'head train' fits a few-shot head from labelled example images instead.

Builds a zero-shot classification head once (every prompt of every class embedded and
ensembled) and saves it, so 'clipkit classify --head FILE.head' skips the text tower.

build options:
${HEAD_FLAGS_USAGE}
  --out FILE          where to write the head (written atomically)
${MODEL_FLAGS_USAGE}

info options:
  --json              print the header as JSON
`;

async function build(ctx: CommandContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...MODEL_FLAGS,
    ...HEAD_FLAGS,
    out: { type: "string" },
  });
  if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (!values.out) throw usageError("--out FILE is required", "--out");
  const model = await openModel(values, ctx.stderr);
  try {
    const started = performance.now();
    const { head, templates } = await buildHeadFromFlags(model, values, ctx);
    await saveHeadFile(values.out, head, {
      templates: values.templates ?? ["photo"],
      templateCount: templates.length,
      createdBy: "clipkit head build",
      createdAt: new Date().toISOString(),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    ctx.stdout.write(
      `wrote ${values.out}: ${head.size} classes × ${templates.length} templates, ${describeSpace(head.space)}, ${seconds} s\n`,
    );
    return 0;
  } finally {
    await model.release();
  }
}

type HeadInfo = Awaited<ReturnType<typeof readHeadFileInfo>>;

/**
 * The header of a few-shot head file ('clipkit head train', format 2), validated in full like a
 * zero-shot one; `undefined` for anything else, which {@link readHeadFileInfo} then reads or
 * reports (missing, unreadable, damaged) with its stable codes.
 */
async function readAdaptedHeadInfo(
  path: string,
): Promise<(HeadInfo & { adapter: AdapterRecord }) | undefined> {
  let bytes: Uint8Array;
  let version: number;
  try {
    bytes = new Uint8Array(await readFile(path));
    version = readHeadHeader(bytes).version;
  } catch {
    return undefined;
  }
  if (version !== ADAPTED_HEAD_FORMAT_VERSION) return undefined;
  try {
    // Full decode validates length and checksums, so `info` never vouches for a damaged file.
    const head = loadAdaptedHead(bytes);
    const { weightsOffset: _, ...header } = readHeadHeader(bytes);
    return { ...header, bytes: bytes.length, adapter: head.adapter };
  } catch (error) {
    if (!isClipkitError(error)) throw error;
    throw new ClipkitError(error.code, `${path}: ${error.message}`, {
      cause: error,
      details: { ...error.details, path },
    });
  }
}

function describeAdapter(a: AdapterRecord): string {
  const hyper = Object.entries(a.hyper)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const held = a.heldOut
    ? `, held-out ${a.multiLabel ? "F1" : "accuracy"} ${(a.heldOut.accuracy * 100).toFixed(1)}%`
    : "";
  return `${a.method}${a.multiLabel ? " (multi-label)" : ""}, ${a.examples} examples (≥ ${a.shots} per class), seed ${a.seed}; ${hyper || "no hyper-parameters"} chosen by ${a.selection}${held}`;
}

async function info(ctx: CommandContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: "boolean" } });
  if (positionals.length !== 1) throw usageError("head info takes exactly one FILE.head");
  const path = positionals[0]!;
  const adapted = await readAdaptedHeadInfo(path);
  const header = adapted ?? (await readHeadFileInfo(path));
  if (values.json) {
    ctx.stdout.write(`${JSON.stringify(header, null, 2)}\n`);
    return 0;
  }
  const s = header.scoring;
  const scoring = adapted
    ? `${s.kind} over the fitted logits`
    : s.kind === "softmax"
      ? `softmax, scale ${s.logitScale}`
      : `sigmoid, scale ${s.logitScale}, bias ${s.logitBias}`;
  const shown = header.labels.slice(0, 10).join(", ");
  const more = header.labels.length > 10 ? `, … (+${header.labels.length - 10})` : "";
  ctx.stdout.write(
    [
      `file:     ${path} (${header.bytes} bytes, format v${header.version})`,
      `space:    ${describeSpace(header.space)}`,
      `scoring:  ${scoring}`,
      ...(adapted ? [`method:   ${describeAdapter(adapted.adapter)}`] : []),
      `classes:  ${header.labels.length}: ${shown}${more}`,
      ...(header.promptsHash ? [`prompts:  hash ${header.promptsHash}`] : []),
      ...(header.meta ? [`meta:     ${JSON.stringify(header.meta)}`] : []),
      "",
    ].join("\n"),
  );
  return 0;
}

/** `clipkit head build|info`: build, save and inspect zero-shot heads. */
export const headCommand: Command = {
  name: "head",
  summary:
    "build a zero-shot head (head build), train a few-shot one from examples (head train), or inspect one (head info)",
  usage,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub === "build") return build(ctx, rest);
    if (sub === "info") return info(ctx, rest);
    if (sub === "train") return headTrain(ctx, rest);
    throw usageError(
      `head needs a sub-command: build, train or info${sub ? ` (got ${JSON.stringify(sub)})` : ""}`,
    );
  },
};
