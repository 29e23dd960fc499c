import { ClipkitError } from "@clipkit/core";

/** Why a request was refused or cut short by the {@link Limiter}. */
export class LimitError extends Error {
  constructor(
    readonly reason: "OVERLOADED" | "TIMEOUT" | "SHUTTING_DOWN",
    message: string,
  ) {
    super(message);
  }
}

/** Options of {@link Limiter}. */
export interface LimiterOptions {
  /** Jobs running at once (model inference is the bottleneck; onnxruntime already uses threads). */
  maxConcurrency: number;
  /** Jobs allowed to wait; one more is refused with `OVERLOADED` (the server's 503). */
  maxQueue: number;
  /** Per-job limit in ms, counted from admission (queue wait included); `TIMEOUT` when over. */
  timeoutMs: number;
}

/**
 * Bounded concurrency with a bounded FIFO queue and a per-job deadline. A timed-out job's
 * promise is abandoned, not cancelled (onnxruntime runs cannot be interrupted), but it keeps
 * its slot until it really ends, so the concurrency bound stays true.
 */
export class Limiter {
  #running = 0;
  #queue: (() => void)[] = [];
  #closed = false;
  #idle: (() => void)[] = [];

  readonly options: LimiterOptions;

  constructor(options: LimiterOptions) {
    const { maxConcurrency, maxQueue, timeoutMs } = options;
    for (const [key, value] of Object.entries({ maxConcurrency, maxQueue, timeoutMs })) {
      if (!Number.isInteger(value) || value < (key === "maxQueue" ? 0 : 1))
        throw new ClipkitError(
          "INVALID_ARGUMENT",
          `limiter ${key} must be a positive integer, got ${value}`,
          {
            details: { argument: key },
          },
        );
    }
    this.options = { maxConcurrency, maxQueue, timeoutMs };
  }

  get running(): number {
    return this.#running;
  }
  get queued(): number {
    return this.#queue.length;
  }

  /** Runs `job` when a slot is free; rejects with {@link LimitError} when full, late or closing. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new LimitError("SHUTTING_DOWN", "the server is shutting down");
    if (this.#running >= this.options.maxConcurrency && this.#queue.length >= this.options.maxQueue)
      throw new LimitError(
        "OVERLOADED",
        `server busy: ${this.#running} requests running and ${this.#queue.length} queued (--max-concurrency ${this.options.maxConcurrency}, --queue ${this.options.maxQueue})`,
      );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new LimitError("TIMEOUT", `request took longer than ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
    });
    let waiting: (() => void) | undefined;
    const slot = new Promise<void>((resolve) => {
      if (this.#running < this.options.maxConcurrency) {
        this.#running += 1;
        resolve();
      } else {
        waiting = () => {
          waiting = undefined;
          resolve();
        };
        this.#queue.push(waiting);
      }
    });
    const work = slot.then(async () => {
      try {
        return await job();
      } finally {
        this.#release();
      }
    });
    try {
      return await Promise.race([work, deadline]);
    } catch (error) {
      if (waiting) {
        // Timed out in the queue: leave it, so the job never starts.
        const i = this.#queue.indexOf(waiting);
        if (i >= 0) this.#queue.splice(i, 1);
        if (this.#closed && this.#running === 0 && this.#queue.length === 0)
          for (const resolve of this.#idle.splice(0)) resolve();
      }
      throw error;
    } finally {
      clearTimeout(timer);
      work.catch(() => undefined);
    }
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else {
      this.#running -= 1;
      if (this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** Refuses new jobs and resolves once every admitted job (queued or running) has ended. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
