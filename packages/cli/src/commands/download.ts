import { downloadModel } from "@clipkit/backend-node";
import { type HubModelKind, parseDtype } from "@clipkit/core";
import type { Command } from "../command.js";
import { parseFlags, usageError } from "../util/args.js";
import { downloadProgress } from "../util/download-progress.js";

const usage = `Usage: clipkit download <owner/name[@revision]> [--dtype D] [--revision R] [--kind clip|vlm] [--json]

Downloads the files a model needs for one dtype (configs, tokenizer, the chosen graphs and their
external data; not every variant in the repo) into the Hugging Face cache shared with Python's
huggingface_hub, and prints the snapshot folder. A second run makes no request. For split exports
the combined onnx/model.onnx is not downloaded: its logit scale is read with Range requests and
kept as onnx/model.onnx.clipkit-scoring.json (the graph is downloaded when that cannot work).

Options:
  --dtype D           CLIP/SigLIP weights: fp32 (default), fp16, quantized, int8, uint8, q4, q4f16, bnb4
  --revision R        branch, tag or commit (overrides @revision; default main)
  --kind K            clip, vlm (captioning/VQA) or auto (default: from config.json's model_type)
  --json              print {repo, revision, commit, dir, files, fromCache} as JSON

Environment: HF_HUB_CACHE / HF_HOME (cache folder), HF_ENDPOINT (mirror), HF_TOKEN (gated or
private repos), HF_HUB_OFFLINE=1 (cache only).
`;

const KINDS: readonly HubModelKind[] = ["clip", "vlm", "auto"];

/** `clipkit download`: fetch a hub model into the shared cache without loading it. */
export const downloadCommand: Command = {
  name: "download",
  summary: "download a hub model (one dtype) into the cache shared with Python",
  usage,
  async run(ctx) {
    const { values, positionals } = parseFlags(ctx.argv, {
      dtype: { type: "string" },
      revision: { type: "string" },
      kind: { type: "string" },
      json: { type: "boolean" },
    });
    if (positionals.length !== 1)
      throw usageError("give one model id, owner/name[@revision] (see --help)", "model");
    const kind = (values.kind ?? "auto") as HubModelKind;
    if (!KINDS.includes(kind))
      throw usageError(`--kind must be clip, vlm or auto, got ${JSON.stringify(values.kind)}`, "--kind");
    let dtype: ReturnType<typeof parseDtype>;
    try {
      dtype = parseDtype(values.dtype);
    } catch (error) {
      throw usageError(`--dtype: ${(error as Error).message}`, "--dtype");
    }
    const id = positionals[0]!;
    const progress = downloadProgress(`downloading ${id}`, ctx.stderr);
    try {
      const model = await downloadModel(id, {
        kind,
        dtype,
        ...(values.revision ? { revision: values.revision } : {}),
        onProgress: progress.onProgress,
      });
      progress.finish();
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify(model, null, 2)}\n`);
      } else {
        ctx.stdout.write(
          `${model.repo}@${model.revision} (commit ${model.commit})${model.fromCache ? ", already cached" : ""}: ${model.files.length} files\n${model.dir}\n`,
        );
      }
      return 0;
    } finally {
      progress.finish();
    }
  },
};
