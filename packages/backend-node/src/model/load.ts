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
  type Tokenizer,
  withDimensions,
} from "@clipkit/core";
import { nodeFiles } from "../files/index.js";
import { type HubOptions, resolveModelSource } from "../hub/index.js";
import type { ImageInput } from "../image/index.js";
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
}

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
  const decode: ImagePrepareOptions = {
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
    folderTokenizer = () => loadOpenClipTokenizer(files, config);
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
    folderTokenizer = () => loadTokenizer(files);
  }
  const model = await createClipModel<ImageInput>({
    ...rest,
    backend,
    files,
    tokenizer: tokenizer ?? (await folderTokenizer()),
    prepareImages,
  });
  if (dimensions === undefined) return model;
  try {
    return withDimensions(model, dimensions, model.layout.config.matryoshkaDimensions);
  } catch (error) {
    await model.release();
    throw error;
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
