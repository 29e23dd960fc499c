import {
  ClipkitError,
  type CreateClipModelOptions,
  createClipModel,
  type ImagePreparer,
  isJinaClipProcessor,
  isNaflexProcessor,
  isOpenClipFolder,
  type LoadedClipModel,
  loadOpenClipTokenizer,
  loadTokenizer,
  OPEN_CLIP_CONFIG,
  parseJinaClipPreprocess,
  parseNaflexConfig,
  parseOpenClipConfig,
  parsePreprocessorConfig,
  readModelTypeHint,
  resolveClipLayout,
  type Tokenizer,
  withDimensions,
} from "@clipkit/core";
import { nodeFiles } from "../files/index.js";
import { type HubOptions, resolveModelSource } from "../hub/index.js";
import type { ImageInput } from "../image/index.js";
import { defaultPreprocessWorkers, PreprocessPool } from "../image/preprocess-pool.js";
import { type NodeBackendOptions, nodeBackend } from "../session/index.js";
import { type ImagePrepareOptions, nodeImagePreparer, nodeNaflexPreparer } from "./prepare.js";

/** Options of {@link loadClipModel}. */
export interface LoadClipModelOptions
  extends Omit<CreateClipModelOptions<ImageInput>, "backend" | "files" | "tokenizer" | "prepareImages">,
    Pick<
      NodeBackendOptions,
      | "executionProviders"
      | "intraOpThreads"
      | "interOpThreads"
      | "graphOptimization"
      | "cpuMemArena"
      | "memPattern"
    >,
    Pick<ImagePrepareOptions, "maxFileBytes" | "memoryBudget" | "maxResizeBytes"> {
  /** Refuse images with more pixels than this (see `decodeImage`). */
  maxPixels?: number;
  /** Use this tokenizer instead of the folder's `tokenizer.json`. */
  tokenizer?: Tokenizer;
  /** Hub settings when the source is a repo id: cache folder, token, offline, progress… (see `downloadModel`). */
  hub?: HubOptions;
  /**
   * Matryoshka width (jina-clip v2): vectors are cut to their first `dimensions` components and
   * re-normalised, in a space whose id records the width (see `withDimensions`). Must be one of
   * the config's `matryoshka_dimensions` when it lists them.
   */
  dimensions?: number;
  /**
   * Worker threads that decode + preprocess image batches, so they overlap inference
   * (onnxruntime-node's `run` holds the JavaScript thread): a count, 0 for none, or `"auto"`
   * (default): {@link defaultPreprocessWorkers} when the vision graph's weights exceed
   * {@link WORKER_MIN_GRAPH_BYTES}, none for smaller models, whose inference is too short for a
   * thread hop to pay. Results are bit-identical either way (see `nodeImagePreparer`).
   */
  decodeWorkers?: number | "auto";
}

/** Vision weights above which `decodeWorkers: "auto"` uses worker threads (32 MB). */
export const WORKER_MIN_GRAPH_BYTES = 32_000_000;

/**
 * Loads a CLIP or SigLIP model onto onnxruntime-node from a hub-layout folder on disk (or an
 * open_clip export, see docs/models.md) or a hub repo id (`"Xenova/clip-vit-base-patch32"`,
 * `"owner/name@revision"`): an existing path wins; an id downloads only the files of the chosen
 * `dtype` into the Hugging Face cache shared with Python (see `downloadModel` for the errors).
 * Images may be paths, `file:` URLs, Buffers or decoded {@link RawImage}s.
 *
 * @example
 * ```ts
 * const model = await loadClipModel("Xenova/clip-vit-base-patch32", { dtype: "fp16" });
 * const texts = await model.embedTexts(["a photo of a cat"]);
 * const images = await model.embedImages(["cat.jpg"]);
 * await model.release();
 * ```
 */
export async function loadClipModel(
  source: string,
  options: LoadClipModelOptions = {},
): Promise<LoadedClipModel<ImageInput>> {
  const {
    hub,
    maxPixels,
    maxFileBytes,
    memoryBudget,
    maxResizeBytes,
    tokenizer,
    dimensions,
    executionProviders,
    intraOpThreads,
    interOpThreads,
    graphOptimization,
    cpuMemArena,
    memPattern,
    decodeWorkers = "auto",
    ...rest
  } = options;
  const files = nodeFiles(
    await resolveModelSource(source, {
      ...hub,
      kind: "clip",
      ...(rest.dtype ? { dtype: rest.dtype } : {}),
      ...(rest.layout ? { layout: rest.layout } : {}),
      calibrateScoring: rest.scoring === undefined && rest.calibrateScoring !== false,
    }),
  );
  const backend = nodeBackend({
    ...(executionProviders ? { executionProviders } : {}),
    ...(intraOpThreads ? { intraOpThreads } : {}),
    ...(interOpThreads ? { interOpThreads } : {}),
    ...(graphOptimization ? { graphOptimization } : {}),
    ...(cpuMemArena === undefined ? {} : { cpuMemArena }),
    ...(memPattern === undefined ? {} : { memPattern }),
  });
  let prepareImages: ImagePreparer<ImageInput>;
  const workers = decodeWorkers === "auto" ? await autoWorkers(files, rest) : decodeWorkers;
  const pool = workers > 0 ? new PreprocessPool(workers) : undefined;
  const decode: ImagePrepareOptions = {
    ...(pool ? { workers: pool } : {}),
    ...(maxPixels === undefined ? {} : { maxPixels }),
    ...(maxFileBytes === undefined ? {} : { maxFileBytes }),
    ...(memoryBudget === undefined ? {} : { memoryBudget }),
    ...(maxResizeBytes === undefined ? {} : { maxResizeBytes }),
  };
  let folderTokenizer: () => Promise<Tokenizer>;
  if (await isOpenClipFolder(files)) {
    // open_clip export: its own preprocess_cfg and tokenizer cleaning (see docs/models.md).
    const config = parseOpenClipConfig(
      await files.readText(OPEN_CLIP_CONFIG),
      `${files.location}/${OPEN_CLIP_CONFIG}`,
    );
    prepareImages = nodeImagePreparer(config.preprocess, decode);
    folderTokenizer = () => loadOpenClipTokenizer(files, config, { deferParse: true });
  } else {
    const json = parseJson(await files.readText("preprocessor_config.json"), files.location);
    // SigLIP 2 NaFlex: patchified images of varying grids instead of one fixed-size tensor.
    prepareImages = isNaflexProcessor(json)
      ? nodeNaflexPreparer(parseNaflexConfig(json), decode)
      : isJinaClipProcessor(json)
        ? nodeImagePreparer(
            parseJinaClipPreprocess(json, `${files.location}/preprocessor_config.json`),
            decode,
          )
        : nodeImagePreparer(
            parsePreprocessorConfig(json, { modelType: await readModelTypeHint(files) }),
            decode,
          );
    // Parsed on first use: an image-only job never pays for the vocabulary.
    folderTokenizer = () => loadTokenizer(files, { deferParse: true });
  }
  const model = await createClipModel<ImageInput>({
    ...rest,
    backend,
    files,
    tokenizer: tokenizer ?? (await folderTokenizer()),
    prepareImages,
  }).catch(async (error: unknown) => {
    await pool?.close();
    throw error;
  });
  const sized = await (async () => {
    if (dimensions === undefined) return model;
    try {
      return withDimensions(model, dimensions, model.layout.config.matryoshkaDimensions);
    } catch (error) {
      await model.release();
      await pool?.close();
      throw error;
    }
  })();
  if (!pool) return sized;
  const release = sized.release;
  return {
    ...sized,
    async release() {
      await release();
      await pool.close();
    },
  };
}

/** `"auto"` worker count: none for small vision graphs (see {@link WORKER_MIN_GRAPH_BYTES}). */
async function autoWorkers(
  files: ReturnType<typeof nodeFiles>,
  options: Pick<LoadClipModelOptions, "dtype" | "layout">,
): Promise<number> {
  try {
    const layout = await resolveClipLayout(files, {
      ...(options.dtype ? { dtype: options.dtype } : {}),
      ...(options.layout ? { prefer: options.layout } : {}),
    });
    let bytes = 0;
    for (const p of [layout.vision.path, ...layout.vision.externalData]) bytes += await files.size!(p);
    return bytes > WORKER_MIN_GRAPH_BYTES ? defaultPreprocessWorkers() : 0;
  } catch {
    // open_clip folders and broken layouts: createClipModel reports those properly.
    return 0;
  }
}

function parseJson(text: string, location: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ClipkitError("MODEL_CONFIG_INVALID", `${location}/preprocessor_config.json is not valid JSON`, {
      cause: error,
      details: { file: "preprocessor_config.json" },
    });
  }
}
