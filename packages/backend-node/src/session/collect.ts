import { stat } from "node:fs/promises";
import { type CollectGarbage, exposedGc } from "../image/release.js";

/**
 * Graph files from this size on (32 MB) get a full garbage collection right before their session
 * is created ({@link collectBeforeCreate}); smaller graphs are created in milliseconds.
 */
export const COLLECT_BEFORE_CREATE_BYTES = 32_000_000;

let collector: CollectGarbage | undefined | null = null;

/**
 * Runs a full collection before onnxruntime-node creates a session from the graph at `path`, when
 * the file has at least `minBytes`. The creation holds the JavaScript thread for seconds on a big
 * graph (3 s for a ViT-B/32's 351 MB), so V8 cannot collect during it, while onnxruntime allocates
 * about 1.7× the weights' size. Whatever loading left for the collector — the space fingerprint's
 * 8 MiB of sampled reads, the graph scans' buffers — would otherwise stay allocated through that
 * peak; collected first, their memory is free for onnxruntime's allocations to reuse (issue #18,
 * measured in docs/performance.md). Costs one full collection of the JavaScript heap, once per
 * session. Resolves to whether it collected (false for small or unreadable files, or where V8
 * refuses to expose its collector).
 */
export async function collectBeforeCreate(
  path: string,
  minBytes = COLLECT_BEFORE_CREATE_BYTES,
): Promise<boolean> {
  // An unreadable path is onnxruntime's to report, with its own error.
  const size = await stat(path).then(
    (s) => s.size,
    () => 0,
  );
  if (size < minBytes) return false;
  if (collector === null) collector = exposedGc();
  if (!collector) return false;
  collector();
  return true;
}
