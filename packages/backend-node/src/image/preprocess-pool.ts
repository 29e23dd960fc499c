import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { ClipkitError, type ClipkitErrorCode, type PreprocessConfig } from "@clipkit/core";
import type { DecodeOptions, ImageInput } from "./decode.js";
import { startWorker } from "./worker-exec-argv.js";

/** One batch for a worker: inputs as paths, `{ href }` URLs or bytes (RawImages stay in-thread). */
export interface PreprocessJob {
  readonly id: number;
  readonly inputs: ReadonlyArray<string | Uint8Array | { href: string }>;
  readonly config: PreprocessConfig;
  readonly decode: DecodeOptions;
  readonly maxResizeBytes: number;
}

/** A worker's answer: the batch tensor's buffer (transferred), or the first failing image. */
export interface PreprocessReply {
  readonly id: number;
  readonly data?: ArrayBuffer;
  readonly index?: number;
  readonly error?: { code?: ClipkitErrorCode; message: string; details?: Record<string, unknown> };
}

/**
 * Default worker count: one thread per core left after inference's, at most 4 — decode and
 * preprocessing then overlap `InferenceSession.run`, which holds the JavaScript thread.
 */
export function defaultPreprocessWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/**
 * Worker threads that decode + preprocess whole batches off the main thread (onnxruntime-node's
 * `run` blocks it, so in-thread preprocessing never overlaps inference). Workers start on first
 * use from the second batch on ({@link ready} starts them and says whether one has loaded, so
 * no batch waits for a thread to boot), are `unref`ed (an idle pool never keeps the process alive) and are
 * replaced when one dies.
 * Runs from the built package (`dist/…-worker.js`) and from source under tsx (`--conditions
 * @clipkit/source`).
 */
export class PreprocessPool {
  readonly #size: number;
  readonly #idle: Worker[] = [];
  readonly #waiting: Array<(w: Worker) => void> = [];
  #started = 0;
  #loaded = 0;
  #asked = 0;
  #onLoad: Array<() => void> = [];
  #next = 0;
  /** Set by {@link warm}: jobs go to workers even before one has loaded. */
  #warm = false;

  constructor(size = defaultPreprocessWorkers()) {
    this.#size = size;
  }

  #spawn(): Worker {
    // From source (tests, tsx), the worker registers tsx's loader itself before importing the
    // TypeScript entry: loader flags in a worker's execArgv do not apply to its entry module.
    // import.meta.url is empty in the CommonJS build: find the worker next to this file there.
    const here = import.meta.url || pathToFileURL(__filename).href;
    const source = here.endsWith(".ts");
    const worker = source
      ? new Worker(
          `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL("./preprocess-worker.ts", here).href)}); });`,
          { eval: true, execArgv: ["--conditions=@clipkit/source"] },
        )
      : startWorker(new URL("./preprocess-worker.js", here), process.execArgv);
    worker.on("message", (r: PreprocessReply) => {
      if (r.id !== -1) return;
      this.#loaded++;
      for (const wake of this.#onLoad.splice(0)) wake();
    });
    // After the listener: a Worker re-refs its port when its first "message" listener is added,
    // so unref() must come last or an idle pool keeps the process alive.
    worker.unref();
    this.#started++;
    return worker;
  }

  /**
   * Starts the workers if none has been, and tells whether one has loaded its code. Callers may
   * prepare a batch in-thread while this is false (a cold start does not wait for a thread to boot).
   */
  ready(): boolean {
    // The first batch never waits for threads and never starts them: a one-batch job (a cold
    // start, one query image) should not pay for booting a worker it will not use — unless
    // warm() said the JavaScript thread is about to be held anyway.
    if (this.#asked++ === 0 && !this.#warm) return false;
    while (this.#started < this.#size) this.#idle.push(this.#spawn());
    return this.#loaded > 0 || this.#warm;
  }

  /**
   * Starts the workers now, and from now on sends jobs to them even before one has loaded (a job
   * waits in the booting thread's port). For callers that know the JavaScript thread is about to
   * be held for longer than a worker takes to boot — onnxruntime-node creating a session, seconds
   * for a big graph: the workers load and decode the first batch on other cores meanwhile,
   * instead of the batch being decoded in-thread before or after. Idempotent.
   */
  warm(): void {
    this.#warm = true;
    this.#asked = Math.max(this.#asked, 1);
    while (this.#started < this.#size) this.#idle.push(this.#spawn());
  }

  /** Resolves once a worker has loaded (starting them if needed). */
  async loaded(): Promise<void> {
    this.#asked = Math.max(this.#asked, 1);
    if (this.ready()) return;
    // Idle workers are unref'ed: hold the process open while waiting for one.
    const keep = setInterval(() => undefined, 1 << 30);
    try {
      await new Promise<void>((resolve) => this.#onLoad.push(resolve));
    } finally {
      clearInterval(keep);
    }
  }

  async #acquire(): Promise<Worker> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#started < this.#size) return this.#spawn();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #releaseWorker(worker: Worker): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(worker);
    else this.#idle.push(worker);
  }

  /**
   * Decodes and preprocesses `inputs` into one `[N, 3, H, W]` float32 tensor. Rejects with the
   * failing image's `ClipkitError` (code kept, `details.index` set).
   */
  async run(
    inputs: readonly Exclude<ImageInput, { data: unknown }>[],
    config: PreprocessConfig,
    decode: DecodeOptions,
    maxResizeBytes: number,
  ): Promise<Float32Array> {
    const worker = await this.#acquire();
    // Referenced while it works (else a caller awaiting only this job could see the process exit),
    // unreferenced again when idle.
    worker.ref();
    const id = this.#next++;
    const job: PreprocessJob = {
      id,
      inputs: inputs.map((i) => (i instanceof URL ? { href: i.href } : (i as string | Uint8Array))),
      config,
      decode,
      maxResizeBytes,
    };
    let died = false;
    try {
      const reply = await new Promise<PreprocessReply>((resolve, reject) => {
        const onMessage = (r: PreprocessReply) => {
          if (r.id !== id) return;
          cleanup();
          resolve(r);
        };
        const onError = (error: Error) => {
          died = true;
          cleanup();
          reject(
            new ClipkitError("IMAGE_DECODE_FAILED", `preprocessing worker failed: ${error.message}`, {
              cause: error,
            }),
          );
        };
        const onExit = (code: number) => onError(new Error(`exited with code ${code}`));
        const cleanup = () => {
          worker.off("message", onMessage);
          worker.off("error", onError);
          worker.off("exit", onExit);
        };
        worker.on("message", onMessage);
        worker.on("error", onError);
        worker.on("exit", onExit);
        worker.postMessage(job);
      });
      if (reply.data) return new Float32Array(reply.data);
      const e = reply.error!;
      const index = reply.index ?? 0;
      throw new ClipkitError(e.code ?? "IMAGE_DECODE_FAILED", `images[${index}]: ${e.message}`, {
        details: { ...e.details, index },
      });
    } finally {
      if (died) {
        this.#started--;
        this.#loaded = Math.max(0, this.#loaded - 1);
        void worker.terminate();
        // Someone waiting for a worker gets a fresh one.
        if (this.#waiting.length > 0) this.#releaseWorker(this.#spawn());
      } else {
        worker.unref();
        this.#releaseWorker(worker);
      }
    }
  }

  /** Stops the workers (waiting jobs keep their place and start new ones). */
  async close(): Promise<void> {
    const idle = this.#idle.splice(0);
    this.#started -= idle.length;
    this.#loaded = Math.max(0, this.#loaded - idle.length);
    await Promise.all(idle.map((w) => w.terminate()));
  }
}
