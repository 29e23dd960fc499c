import { ClipkitError } from "../errors.js";

/**
 * 512 MiB: room for a few 24-megapixel photos decoding at once, or one image at the pixel limit
 * (a 13000×13000 PNG alone holds ~1.3 GB while it is decoded and preprocessed: one image over
 * the budget still runs, alone).
 */
export const DEFAULT_MEMORY_BUDGET = 512 * 1024 * 1024;

/** Bytes held by one in-flight image; {@link MemoryBudget.acquire} returns it. */
export interface MemoryLease {
  /** Bytes held now. */
  readonly bytes: number;
  /**
   * Holds `bytes` more once they fit (e.g. after the header told the decoded size). The oldest
   * lease may always grow, so a lease never waits on younger ones: no deadlock, in-order progress.
   */
  grow(bytes: number): Promise<void>;
  /** Returns everything this lease holds; idempotent. */
  release(): void;
}

interface Lease {
  bytes: number;
  released: boolean;
}

interface Waiter {
  readonly lease: Lease;
  /** True for a new lease (acquire), false for a grow. */
  readonly fresh: boolean;
  readonly bytes: number;
  readonly resolve: () => void;
}

/**
 * A byte budget shared by concurrent image decodes, so that the memory a batch holds no longer
 * grows with the batch size or the images' sizes: decodes wait while the bytes in flight would
 * exceed `limit`. A request larger than the whole budget is served when nothing else is in flight
 * (that one image then runs alone). Waiters are served first come, first served, except that the
 * oldest lease may always grow.
 */
export class MemoryBudget {
  readonly limit: number;
  #used = 0;
  readonly #leases: Lease[] = [];
  readonly #waiters: Waiter[] = [];

  /** @throws ClipkitError `INVALID_ARGUMENT` unless `limit` is a positive number of bytes. */
  constructor(limit: number = DEFAULT_MEMORY_BUDGET) {
    if (!(Number.isFinite(limit) && limit > 0)) {
      throw new ClipkitError(
        "INVALID_ARGUMENT",
        `memoryBudget must be a positive number of bytes, got ${limit}`,
        {
          details: { argument: "memoryBudget", value: limit },
        },
      );
    }
    this.limit = limit;
  }

  /** Bytes held by all leases now. */
  get used(): number {
    return this.#used;
  }

  /** Waits until `bytes` fit, then holds them under a new lease (release it in a `finally`). */
  async acquire(bytes: number): Promise<MemoryLease> {
    const lease: Lease = { bytes: 0, released: false };
    await this.#request({ lease, fresh: true, bytes });
    return {
      get bytes() {
        return lease.bytes;
      },
      grow: async (more) => {
        if (!lease.released) await this.#request({ lease, fresh: false, bytes: more });
      },
      release: () => this.#release(lease),
    };
  }

  #fits(w: Omit<Waiter, "resolve">): boolean {
    if (this.#used + w.bytes <= this.limit) return true;
    // Something must make progress: a new lease when none is held, the oldest lease always.
    return w.fresh ? this.#leases.length === 0 : this.#leases[0] === w.lease;
  }

  #grant(w: Omit<Waiter, "resolve">): void {
    if (w.fresh) this.#leases.push(w.lease);
    w.lease.bytes += w.bytes;
    this.#used += w.bytes;
  }

  #request(w: Omit<Waiter, "resolve">): Promise<void> {
    if (this.#waiters.length === 0 && this.#fits(w)) {
      this.#grant(w);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#waiters.push({ ...w, resolve });
      this.#drain();
    });
  }

  #release(lease: Lease): void {
    if (lease.released) return;
    lease.released = true;
    this.#used -= lease.bytes;
    lease.bytes = 0;
    const i = this.#leases.indexOf(lease);
    if (i >= 0) this.#leases.splice(i, 1);
    this.#drain();
  }

  /** Serves waiters in order; a grow of the oldest lease may jump the queue (it must progress). */
  #drain(): void {
    for (let i = 0; i < this.#waiters.length; ) {
      const w = this.#waiters[i]!;
      const oldest = !w.fresh && this.#leases[0] === w.lease;
      if ((i === 0 || oldest) && this.#fits(w)) {
        this.#waiters.splice(i, 1);
        this.#grant(w);
        w.resolve();
        i = 0; // a grant may unblock nothing new, but order matters: rescan from the head
        continue;
      }
      i++;
    }
  }
}
