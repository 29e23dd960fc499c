import {
  ClipkitError,
  checkResizeWork,
  DEFAULT_MAX_RESIZE_BYTES,
  type ImagePreparer,
  imageWorkBytes,
  MemoryBudget,
  type NaflexConfig,
  naflexBatch,
  outputSize,
  type PreprocessConfig,
  preprocessImageInto,
  type RawImage,
} from "@clipkit/core";
import { type DecodeOptions, decodeImage, type ImageInput } from "../image/index.js";
import { PreprocessPool } from "../image/preprocess-pool.js";

/** Options of {@link nodeImagePreparer}: decode limits plus the memory bounds of a batch. */
export interface ImagePrepareOptions extends DecodeOptions {
  /**
   * Bytes of decoded images (and their working copies) held at once, across all batches being
   * prepared — a number or a shared {@link MemoryBudget}. Default `DEFAULT_MEMORY_BUDGET` (512 MiB).
   * An image larger than the budget still runs, alone.
   */
  memoryBudget?: number | MemoryBudget;
  /** Refuse images whose resize needs more working memory than this (`checkResizeWork`). */
  maxResizeBytes?: number;
  /**
   * Decode + preprocess on worker threads: a {@link PreprocessPool}, a worker count, or 0 for the
   * JavaScript thread (default: the in-thread path). Each worker prepares a whole batch, one image
   * at a time, and hands the tensor back without a copy, so while onnxruntime-node's `run` holds
   * the main thread the next batch is being prepared; batches that come before a worker has loaded
   * are prepared in-thread. Pixels are bit-identical either way. With
   * workers, memory is bounded per worker (one decoded image at a time) instead of by
   * `memoryBudget`; decoded {@link RawImage} inputs are always prepared in-thread.
   */
  workers?: number | PreprocessPool;
}

function atIndex(error: unknown, i: number): unknown {
  if (error instanceof ClipkitError && error.details.index === undefined) {
    return new ClipkitError(error.code, `images[${i}]: ${error.message}`, {
      cause: error,
      details: { ...error.details, index: i },
    });
  }
  return error;
}

/**
 * sharp decoding + core preprocessing for one batch, with memory bounded whatever the batch size
 * and image sizes: each image is decoded lazily, preprocessed straight into the batch tensor and
 * dropped, while a shared {@link MemoryBudget} admits decodes only as their bytes (file, then
 * pixels from the header) fit. Images still decode concurrently (sharp runs them on libuv's
 * pool) as far as the budget allows, and the model prepares batch k+1 while batch k runs. The
 * resize work is checked from the header before decoding (`checkResizeWork`). A failing image
 * rejects the batch with its index in `details`.
 */
export function nodeImagePreparer(
  config: PreprocessConfig,
  options: ImagePrepareOptions = {},
): ImagePreparer<ImageInput> {
  const { memoryBudget, maxResizeBytes = DEFAULT_MAX_RESIZE_BYTES, workers, ...decode } = options;
  const budget = memoryBudget instanceof MemoryBudget ? memoryBudget : new MemoryBudget(memoryBudget);
  const pool =
    workers instanceof PreprocessPool ? workers : workers ? new PreprocessPool(workers) : undefined;
  const prepare: ImagePreparer<ImageInput> = async (inputs, signal) => {
    if (signal?.aborted)
      throw new ClipkitError("ABORTED", "image decoding was aborted", { cause: signal.reason });
    if (inputs.length === 0) {
      throw new ClipkitError("INVALID_ARGUMENT", "an image batch needs at least one image", {
        details: { argument: "images" },
      });
    }
    const { height, width } = outputSize(config);
    const dims = [inputs.length, 3, height, width];
    if (pool?.ready() && !inputs.some(isRaw)) {
      const data = await pool.run(inputs as Exclude<ImageInput, RawImage>[], config, decode, maxResizeBytes);
      if (signal?.aborted)
        throw new ClipkitError("ABORTED", "image decoding was aborted", { cause: signal.reason });
      return { data, dims };
    }
    const per = 3 * height * width;
    const data = new Float32Array(inputs.length * per);
    const one = async (input: ImageInput, i: number): Promise<void> => {
      const lease = await budget.acquire(0);
      try {
        const image = await decodeImage(input, decode, {
          beforeRead: (size) => lease.grow(size),
          beforeDecode: async (info) => {
            const file = typeof input === "string" ? input : undefined;
            checkResizeWork(info.width, info.height, config, maxResizeBytes, file);
            await lease.grow(imageWorkBytes(info.width, info.height, config, info.bytesPerSample));
          },
        });
        if (signal?.aborted)
          throw new ClipkitError("ABORTED", "image decoding was aborted", { cause: signal.reason });
        // Decoded pixels (RawImage inputs) skip the hooks: check their resize work here.
        checkResizeWork(image.width, image.height, config, maxResizeBytes);
        preprocessImageInto(image, config, data, i * per);
      } catch (error) {
        throw atIndex(error, i);
      } finally {
        lease.release();
      }
    };
    await Promise.all(inputs.map(one));
    return { data, dims };
  };
  // The model is about to create its vision session (see ImagePreparer.warm): boot the workers
  // now and let the first batch wait in one, decoded on another core while the session is made.
  if (pool) prepare.warm = () => pool.warm();
  return prepare;
}

function isRaw(input: ImageInput): input is RawImage {
  return typeof input === "object" && !(input instanceof Uint8Array) && !(input instanceof URL);
}

/**
 * The same for SigLIP 2 NaFlex graphs: decoded images patchified by {@link naflexBatch}. (Decodes
 * the batch eagerly: NaFlex patch grids depend on every image's size.)
 */
export function nodeNaflexPreparer(
  config: NaflexConfig,
  options: ImagePrepareOptions = {},
): ImagePreparer<ImageInput> {
  const { memoryBudget: _budget, maxResizeBytes: _resize, ...decode } = options;
  return async (inputs, signal) => naflexBatch(await decodeAll(inputs, decode, signal), config);
}

async function decodeAll(
  inputs: readonly ImageInput[],
  options: DecodeOptions,
  signal: AbortSignal | undefined,
): Promise<RawImage[]> {
  if (signal?.aborted)
    throw new ClipkitError("ABORTED", "image decoding was aborted", { cause: signal.reason });
  return Promise.all(
    inputs.map(async (input, i) => {
      try {
        return await decodeImage(input, options);
      } catch (error) {
        throw atIndex(error, i);
      }
    }),
  );
}
