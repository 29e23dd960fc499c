import type { Writable } from "node:stream";
import { type ImageInput, loadClipModel } from "@clipkit/backend-node";
import type { LoadedClipModel } from "@clipkit/core";
import { emojiModelDir, emojiModelScoring } from "@clipkit/model-emoji";
import { resolveModelDir } from "./args.js";
import { resolveModelRef } from "./model-ref.js";
import { parseRuntimeFlags, RUNTIME_FLAGS, RUNTIME_FLAGS_USAGE, type RuntimeValues } from "./runtime.js";

/** The model flags shared by commands that load a CLIP-style model. */
export const MODEL_FLAGS = {
  model: { type: "string" },
  ...RUNTIME_FLAGS,
} as const;

/** Usage lines for {@link MODEL_FLAGS}. */
export const MODEL_FLAGS_USAGE = `  --model DIR|ID      model folder (Hugging Face / transformers.js layout) or hub id
                      owner/name[@revision], downloaded once into the Hugging Face cache
                      (HF_HUB_CACHE, shared with Python; HF_TOKEN, HF_ENDPOINT, HF_HUB_OFFLINE);
                      default: the bundled demo model @clipkit/model-emoji
${RUNTIME_FLAGS_USAGE}`;

/**
 * Opens the model named by `--model` with the runtime flags (`--threads`, `--device`, `--dtype`,
 * `--batch-size`). Without `--model` this is the bundled demo model (see `resolveModelDir`),
 * loaded with its trained scoring; the note saying so goes to `stderr` so stdout stays clean.
 */
export async function openModel(
  values: RuntimeValues & { model?: string | undefined },
  stderr?: Writable,
): Promise<LoadedClipModel<ImageInput>> {
  const runtime = parseRuntimeFlags(values);
  const bundled = values.model === undefined || values.model.trim() === "";
  const dir = bundled
    ? resolveModelDir(undefined, stderr ? (line) => stderr.write(line) : undefined)
    : (
        await resolveModelRef(values.model!, {
          kind: "clip",
          dtype: runtime.dtype,
          ...(stderr ? { stderr } : {}),
        })
      ).dir;
  return loadClipModel(dir, {
    dtype: runtime.dtype,
    batchSize: runtime.batchSize,
    ...runtime.backend,
    ...(bundled && dir === emojiModelDir ? { scoring: emojiModelScoring() } : {}),
  });
}
