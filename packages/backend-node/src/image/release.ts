import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** V8's `gc` extension (called without arguments: a full, synchronous collection). */
export type CollectGarbage = () => void;

/**
 * Bytes of decoded pixels a decode worker may drop before it collects garbage: three to four
 * 1280×960 RGB photos. A full collection of the worker's small heap costs a few milliseconds of
 * the worker's (not the inference thread's) time, so it is paid every few images, not each one.
 */
export const DEFAULT_RELEASE_BYTES = 16 * 1024 * 1024;

/**
 * V8's `gc` function without `--expose-gc` on the command line: the flag is set just long enough
 * to read `gc` from a fresh context, then cleared again (a process started with `--expose-gc`
 * keeps its own). Undefined where V8 refuses.
 */
export function exposedGc(): CollectGarbage | undefined {
  const own = (globalThis as { gc?: CollectGarbage }).gc;
  if (typeof own === "function") return own;
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("typeof gc === 'function' ? gc : undefined");
    return typeof gc === "function" ? (gc as CollectGarbage) : undefined;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
}

/**
 * When a decode worker hands dropped pixel buffers back to the allocator. sharp's decoded pixels
 * are native memory owned by a JavaScript `Buffer` and freed only when that Buffer is collected;
 * V8 does not count that memory (sharp's Buffers are external), so its own collections come only
 * from JavaScript allocation, by which time dozens of decoded photos may be waiting, spread by
 * glibc over the malloc arenas of the threads that decoded them (libuv's pool, the worker), each
 * arena keeping its high-water mark. Collecting every {@link thresholdBytes} of dropped pixels
 * keeps a few images alive at a time, so each decode reuses memory the last ones freed.
 * (A scavenge does not free them: measured, only a full collection does.)
 *
 * Measured in bench/pipeline.bench.ts's RSS row: see docs/performance.md.
 */
export class ReleaseSchedule {
  readonly thresholdBytes: number;
  readonly #collect: (() => void) | undefined;
  #dropped = 0;

  /**
   * @param thresholdBytes collect once this many bytes were dropped since the last collection
   * (0: after every image).
   * @param collect the collection to run; undefined disables the schedule (V8 collects as usual).
   */
  constructor(thresholdBytes: number, collect: (() => void) | undefined) {
    this.thresholdBytes = thresholdBytes;
    this.#collect = collect;
  }

  /** Bytes dropped since the last collection. */
  get pending(): number {
    return this.#dropped;
  }

  /** Records a dropped buffer of `bytes` and collects if the threshold is reached; true if it did. */
  drop(bytes: number): boolean {
    if (!this.#collect) return false;
    this.#dropped += bytes;
    if (this.#dropped < this.thresholdBytes) return false;
    this.#dropped = 0;
    this.#collect();
    return true;
  }
}
