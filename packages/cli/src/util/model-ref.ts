/**
 * What `--model` may name. Today: a folder on disk (a hub export already downloaded). A string
 * shaped like a hub id (`owner/name`) is recognised so the message can say what to do with it;
 * resolving hub ids (download + cache) is one more `kind` here, added by the hub-cache work.
 */
import { stat } from "node:fs/promises";
import { ClipkitError } from "@clipkit/core";

/** A resolved `--model` value. */
export type ModelRef = { readonly kind: "folder"; readonly dir: string };

/** `owner/name` as the Hugging Face hub spells repository ids (optionally `@revision`). */
export const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*(@[A-Za-z0-9._/-]+)?$/;

/**
 * Resolves `--model VALUE`: an existing folder is used as is. Anything else is `MODEL_FILE_MISSING`
 * (`INVALID_ARGUMENT` for a file) with a message that says which of the two it is not and what
 * to pass instead. Extend here to accept hub ids.
 */
export async function resolveModelRef(value: string): Promise<ModelRef> {
  const info = await stat(value).catch(() => undefined);
  if (info?.isDirectory()) return { kind: "folder", dir: value };
  const details = { argument: "--model", value };
  if (info) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `--model ${value} is a file; pass the model folder (the one holding config.json and onnx/)`,
      { details },
    );
  }
  if (HUB_ID.test(value)) {
    throw new ClipkitError(
      "MODEL_FILE_MISSING",
      `--model ${value} is not a folder here, and looks like a hub id; clipkit does not download models: fetch it once (e.g. 'git clone https://huggingface.co/${value.split("@")[0]}') and pass the folder`,
      { details: { ...details, hubId: true } },
    );
  }
  throw new ClipkitError(
    "MODEL_FILE_MISSING",
    `--model ${JSON.stringify(value)} is neither a folder nor a hub id (owner/name); pass a model folder in the Hugging Face / transformers.js layout`,
    { details },
  );
}
