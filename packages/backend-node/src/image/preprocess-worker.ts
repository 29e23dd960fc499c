/**
 * Worker-thread entry of {@link PreprocessPool}: decodes and preprocesses one batch of images into
 * a fresh Float32Array and transfers its buffer back (no copy). The same `decodeImage` and core
 * preprocessing as the in-thread path, so the pixels are bit-identical. Decoded pixels are
 * released as the batch goes ({@link ReleaseSchedule}), which keeps the worker's share of peak RSS
 * flat.
 */
import { parentPort } from "node:worker_threads";
import {
  checkResizeWork,
  isClipkitError,
  outputSize,
  type PreprocessConfig,
  preprocessImageInto,
} from "@clipkit/core";
import { type DecodeOptions, decodeImage } from "./decode.js";
import type { PreprocessJob, PreprocessReply } from "./preprocess-pool.js";
import { DEFAULT_RELEASE_BYTES, exposedGc, ReleaseSchedule } from "./release.js";

const gc = exposedGc();
const release = new ReleaseSchedule(DEFAULT_RELEASE_BYTES, gc);

/**
 * Decodes one image into `data` at `offset` and returns the decoded byte count. Its own function,
 * so nothing in the caller's frame still points at the pixels when they are released.
 */
async function prepareOne(
  raw: PreprocessJob["inputs"][number],
  config: PreprocessConfig,
  decode: DecodeOptions,
  maxResizeBytes: number,
  data: Float32Array,
  offset: number,
): Promise<number> {
  const input = typeof raw === "object" && "href" in raw ? new URL(raw.href) : raw;
  const image = await decodeImage(input, decode, {
    beforeDecode: async (info) => {
      checkResizeWork(
        info.width,
        info.height,
        config,
        maxResizeBytes,
        typeof raw === "string" ? raw : undefined,
      );
    },
  });
  preprocessImageInto(image, config, data, offset);
  return image.data.byteLength;
}

async function run(job: PreprocessJob): Promise<PreprocessReply> {
  const { height, width } = outputSize(job.config);
  const per = 3 * height * width;
  const data = new Float32Array(job.inputs.length * per);
  for (const [i, raw] of job.inputs.entries()) {
    try {
      release.drop(await prepareOne(raw, job.config, job.decode, job.maxResizeBytes, data, i * per));
    } catch (error) {
      const e = error as Error;
      return {
        id: job.id,
        index: i,
        error: isClipkitError(error)
          ? { code: error.code, message: error.message, details: error.details }
          : { message: e?.message ?? String(error) },
      };
    }
  }
  return { id: job.id, data: data.buffer };
}

parentPort?.on("message", (job: PreprocessJob) => {
  void run(job).then((reply) => parentPort!.postMessage(reply, reply.data ? [reply.data] : []));
});
// Loaded: the pool starts sending batches (until then it prepares them in-thread).
parentPort?.postMessage({ id: -1 } satisfies PreprocessReply);
