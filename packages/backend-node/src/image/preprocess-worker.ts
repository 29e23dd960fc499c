/**
 * Worker-thread entry of {@link PreprocessPool}: decodes and preprocesses one batch of images into
 * a fresh Float32Array and transfers its buffer back (no copy). The same `decodeImage` and core
 * preprocessing as the in-thread path, so the pixels are bit-identical.
 */
import { parentPort } from "node:worker_threads";
import { checkResizeWork, isClipkitError, outputSize, preprocessImageInto } from "@clipkit/core";
import { decodeImage } from "./decode.js";
import type { PreprocessJob, PreprocessReply } from "./preprocess-pool.js";

async function run(job: PreprocessJob): Promise<PreprocessReply> {
  const { height, width } = outputSize(job.config);
  const per = 3 * height * width;
  const data = new Float32Array(job.inputs.length * per);
  for (const [i, raw] of job.inputs.entries()) {
    const input = typeof raw === "object" && "href" in raw ? new URL(raw.href) : raw;
    try {
      const image = await decodeImage(input, job.decode, {
        beforeDecode: async (info) => {
          checkResizeWork(
            info.width,
            info.height,
            job.config,
            job.maxResizeBytes,
            typeof raw === "string" ? raw : undefined,
          );
        },
      });
      preprocessImageInto(image, job.config, data, i * per);
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
