/**
 * What `--model` may name: a folder on disk, or a hub id `owner/name[@revision]` that is
 * downloaded (only the files the dtype needs) into the Hugging Face cache shared with Python, with
 * progress on stderr. An existing path always wins.
 */
import { stat } from "node:fs/promises";
import type { Writable } from "node:stream";
import { type DownloadModelOptions, downloadModel } from "@clipkit/backend-node";
import { ClipkitError, parseHubModelRef } from "@clipkit/core";
import { downloadProgress } from "./download-progress.js";

/** A resolved `--model` value. */
export type ModelRef =
  | { readonly kind: "folder"; readonly dir: string }
  | { readonly kind: "hub"; readonly dir: string; readonly repo: string; readonly commit: string };

/** True for `owner/name[@revision]` as the Hugging Face hub spells repository ids (core's `parseHubModelRef`). */
export function isHubId(value: string): boolean {
  try {
    return parseHubModelRef(value) !== undefined;
  } catch {
    return false;
  }
}

/** How a hub id is fetched: the file selection (`kind`, `dtype`) and where progress goes. */
export interface ModelRefOptions
  extends Pick<DownloadModelOptions, "kind" | "dtype" | "calibrateScoring" | "revision"> {
  /** Progress bar (terminal) or periodic lines; none when absent. */
  readonly stderr?: Writable;
}

/**
 * Resolves `--model VALUE`: an existing folder is used as is; a hub id is downloaded into the
 * shared cache (no request when it is already there). A file is `INVALID_ARGUMENT`; anything else
 * `MODEL_FILE_MISSING` saying it is neither a folder nor a hub id.
 */
export async function resolveModelRef(value: string, options: ModelRefOptions = {}): Promise<ModelRef> {
  const info = await stat(value).catch(() => undefined);
  if (info?.isDirectory()) return { kind: "folder", dir: value };
  const details = { argument: "--model", value };
  if (info) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `--model ${value} is a file; pass the model folder (the one holding config.json and onnx/) or a hub id (owner/name)`,
      { details },
    );
  }
  if (isHubId(value)) {
    const { stderr, ...selection } = options;
    const progress = stderr ? downloadProgress(`downloading ${value}`, stderr) : undefined;
    try {
      const model = await downloadModel(value, {
        ...selection,
        ...(progress ? { onProgress: progress.onProgress } : {}),
      });
      return { kind: "hub", dir: model.dir, repo: model.repo, commit: model.commit };
    } finally {
      progress?.finish();
    }
  }
  throw new ClipkitError(
    "MODEL_FILE_MISSING",
    `--model ${JSON.stringify(value)} is neither a folder nor a hub id (owner/name[@revision]); pass a model folder in the Hugging Face / transformers.js layout or a hub id`,
    { details },
  );
}
