import {
  type Backend,
  type CreateClipModelOptions,
  createClipModel,
  type LoadedClipModel,
  type ModelFiles,
  type PreprocessConfig,
  parseHubModelRef,
  type Tokenizer,
  withDimensions,
} from "@clipkit/core";
import { urlFiles } from "../files/url-files.js";
import { webHubFiles } from "../hub/hub-files.js";
import type { WebHubOptions } from "../hub/options.js";
import type { WebImageInput } from "../image/decode.js";
import { type WebBackendOptions, webBackend } from "../session/create.js";
import { folderPipeline } from "./families.js";
import { webImagePreparer } from "./prepare.js";

/** Options of {@link loadClipModel}: the model options of core's `createClipModel` plus the web runtime's. */
export interface LoadClipModelOptions
  extends Omit<CreateClipModelOptions<WebImageInput>, "backend" | "files" | "tokenizer" | "prepareImages">,
    WebBackendOptions {
  /** A ready backend; when given, the runtime options (`executionProviders`, `wasmPaths`, …) are ignored. */
  backend?: Backend;
  /** Keep downloaded files in the Cache API (see `urlFiles`); for hub ids the default is `true`. */
  cache?: boolean | string;
  /** For a hub id: endpoint, mirror URL template, token, offline, progress (see `webHubFiles`). */
  hub?: WebHubOptions;
  /** Overrides the tokenizer read from `tokenizer.json`. */
  tokenizer?: Tokenizer;
  /** Overrides the preprocessing read from `preprocessor_config.json`. */
  preprocess?: PreprocessConfig;
  /** Refuse images with more pixels than this (see `decodeImage`). */
  maxPixels?: number;
  /** Matryoshka width (jina-clip v2): truncate + re-normalise, in a space recording the width (see `withDimensions`). */
  dimensions?: number;
}

/**
 * Loads a CLIP-family model folder in the browser: Hugging Face / transformers.js layouts (CLIP,
 * SigLIP, SigLIP 2 fixed-resolution and NaFlex, MobileCLIP, AltCLIP, jina-clip) and open_clip
 * exports (`open_clip_config.json`), as `loadClipModel` in `@clipkit/backend-node` reads them.
 * `source` is a hub repo id (`"Xenova/clip-vit-base-patch32"`, `"owner/name@revision"`: only the
 * dtype's files are fetched, into the Cache API), a base URL (`"/models/tiny-clip/"`; write a
 * relative folder that looks like an id as `"./owner/name/"`), or any `ModelFiles`, e.g.
 * {@link blobFiles} for files the user picked. Same shape as `loadClipModel` in `@clipkit/backend-node`.
 *
 * @example
 * ```ts
 * const model = await loadClipModel("/models/tiny-clip/", { wasmPaths: "/ort/", cache: true });
 * const images = await model.embedImages([fileInput.files[0]]);
 * ```
 */
export async function loadClipModel(
  source: string | URL | ModelFiles,
  options: LoadClipModelOptions = {},
): Promise<LoadedClipModel<WebImageInput>> {
  const {
    backend,
    cache,
    hub,
    tokenizer,
    preprocess,
    maxPixels,
    dimensions,
    executionProviders,
    wasmPaths,
    numThreads,
    gpu,
    runtime,
    ...model
  } = options;
  const files =
    typeof source === "string" && parseHubModelRef(source)
      ? await webHubFiles(source, {
          ...(cache === undefined ? {} : { cache }),
          ...hub,
          kind: "clip",
          ...(model.dtype ? { dtype: model.dtype } : {}),
          ...(model.layout ? { layout: model.layout } : {}),
          calibrateScoring: model.scoring === undefined && model.calibrateScoring !== false,
        })
      : typeof source === "string" || source instanceof URL
        ? urlFiles(source, cache === undefined ? {} : { cache })
        : source;
  const runtimeOptions: WebBackendOptions = { executionProviders, wasmPaths, numThreads, gpu, runtime };
  for (const key of Object.keys(runtimeOptions) as (keyof WebBackendOptions)[]) {
    if (runtimeOptions[key] === undefined) delete runtimeOptions[key];
  }
  // open_clip exports, SigLIP 2 NaFlex, jina-clip and transformers folders (see families.ts).
  const pipeline = await folderPipeline(files, preprocess);
  const loaded = await createClipModel<WebImageInput>({
    ...model,
    backend: backend ?? webBackend(runtimeOptions),
    files,
    tokenizer: tokenizer ?? (await pipeline.tokenizer()),
    prepareImages: webImagePreparer(pipeline.pixels, maxPixels === undefined ? {} : { maxPixels }),
  });
  if (dimensions === undefined) return loaded;
  try {
    return withDimensions(loaded, dimensions, loaded.layout.config.matryoshkaDimensions);
  } catch (error) {
    await loaded.release();
    throw error;
  }
}
