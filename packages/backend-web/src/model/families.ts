import {
  isJinaClipProcessor,
  isNaflexProcessor,
  isOpenClipFolder,
  loadOpenClipTokenizer,
  loadTokenizer,
  type ModelFiles,
  naflexBatch,
  OPEN_CLIP_CONFIG,
  type PixelBatch,
  type PreprocessConfig,
  parseJinaClipPreprocess,
  parseNaflexConfig,
  parseOpenClipConfig,
  parsePreprocessorConfig,
  preprocessBatch,
  type RawImage,
  readModelTypeHint,
  type Tokenizer,
  wrapError,
} from "@clipkit/core";

/** How a folder's images become `pixel_values` and which tokenizer it ships. */
export interface FolderPipeline {
  /** Decoded images → the vision graph's inputs. */
  readonly pixels: (images: readonly RawImage[]) => PixelBatch;
  readonly tokenizer: () => Promise<Tokenizer>;
}

async function readJson(files: ModelFiles, path: string): Promise<unknown> {
  const text = await files.readText(path);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw wrapError(error, "MODEL_CONFIG_INVALID", `${files.location}/${path} is not valid JSON`, {
      file: path,
    });
  }
}

/**
 * Picks the preprocessing and tokenizer of a model folder, as `loadClipModel` in
 * `@clipkit/backend-node` does: an open_clip export (`open_clip_config.json`: its
 * `preprocess_cfg` and tokenizer cleaning), SigLIP 2 NaFlex (`Siglip2ImageProcessor`: patchified
 * images with mask and grid shapes), jina-clip (`JinaCLIPImageProcessor`: open_clip's transform),
 * or a transformers `preprocessor_config.json`. `preprocess` overrides the fixed-size pipeline.
 */
export async function folderPipeline(
  files: ModelFiles,
  preprocess?: PreprocessConfig,
): Promise<FolderPipeline> {
  const fixed = (config: PreprocessConfig) => (images: readonly RawImage[]) =>
    preprocessBatch(images, config);
  if (await isOpenClipFolder(files)) {
    const config = parseOpenClipConfig(
      await files.readText(OPEN_CLIP_CONFIG),
      `${files.location}/${OPEN_CLIP_CONFIG}`,
    );
    return {
      pixels: fixed(preprocess ?? config.preprocess),
      tokenizer: () => loadOpenClipTokenizer(files, config, { deferParse: true }),
    };
  }
  // Parsed on first use: an image-only page never pays for the vocabulary (~0.3 s for CLIP BPE).
  const tokenizer = () => loadTokenizer(files, { deferParse: true });
  if (preprocess) return { pixels: fixed(preprocess), tokenizer };
  const path = "preprocessor_config.json";
  const json = await readJson(files, path);
  if (isNaflexProcessor(json)) {
    const config = parseNaflexConfig(json);
    return { pixels: (images) => naflexBatch(images, config), tokenizer };
  }
  if (isJinaClipProcessor(json)) {
    return { pixels: fixed(parseJinaClipPreprocess(json, `${files.location}/${path}`)), tokenizer };
  }
  return {
    pixels: fixed(parsePreprocessorConfig(json, { modelType: await readModelTypeHint(files) })),
    tokenizer,
  };
}
