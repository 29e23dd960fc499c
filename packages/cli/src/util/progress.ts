import type { Writable } from "node:stream";

/** A progress reporter; a no-op when disabled, so callers never branch. */
export interface Progress {
  update(done: number, total: number): void;
  /** Clears the bar line. Safe to call more than once. */
  finish(): void;
}

/** Options for {@link createProgress}. */
export interface ProgressOptions {
  /** Where the bar goes: stderr, so stdout stays clean for results and pipes. */
  stream: Writable;
  /** Text shown after the counter, e.g. "images". */
  label: string;
  /** Draw at all: pass `isTTY && total >= threshold` (see {@link shouldShowProgress}). */
  enabled: boolean;
  /** Bar width in characters (default 24). */
  width?: number;
  /** Minimum milliseconds between redraws (default 80). */
  intervalMs?: number;
  /** Injected clock, for tests. */
  now?: () => number;
}

/** The usual rule: a terminal, and enough work that a bar is worth drawing. */
export function shouldShowProgress(stream: Writable, total: number, threshold = 8): boolean {
  return Boolean((stream as { isTTY?: boolean }).isTTY) && total >= threshold;
}

/** Renders one bar line (exported for tests). */
export function renderBar(done: number, total: number, width: number, label: string): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(ratio * width);
  const pct = String(Math.floor(ratio * 100)).padStart(3);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${pct}% ${done}/${total} ${label}`;
}

/** A single-line `\r` progress bar, throttled; always draws the final state. */
export function createProgress(options: ProgressOptions): Progress {
  if (!options.enabled) return { update() {}, finish() {} };
  const { stream, label } = options;
  const width = options.width ?? 24;
  const interval = options.intervalMs ?? 80;
  const now = options.now ?? Date.now;
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(done, total) {
      const t = now();
      if (done < total && t - last < interval) return;
      last = t;
      drawn = true;
      stream.write(`\r${renderBar(done, total, width, label)}`);
    },
    finish() {
      if (!drawn) return;
      drawn = false;
      stream.write("\r\x1b[2K");
    },
  };
}

/** How often a non-terminal stderr gets a progress line by default. */
export const DEFAULT_LINE_INTERVAL_MS = 10_000;

function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * Progress for logs and pipes: one plain line (no `\r`, no escapes) at most every `intervalMs`,
 * with count, percentage, rate and ETA, and a last line at the end when any was printed (or the
 * run took an interval). A run shorter than the interval prints nothing.
 */
export function createLineProgress(options: {
  stream: Writable;
  label: string;
  intervalMs: number;
  now?: () => number;
}): Progress {
  const { stream, label, intervalMs } = options;
  const now = options.now ?? Date.now;
  const start = now();
  let last = start;
  let printed = false;
  let finalPrinted = false;
  return {
    update(done, total) {
      const t = now();
      // The last update gets a line when earlier ones did, or when the run itself took an interval.
      const final = done >= total && !finalPrinted && (printed || t - start >= intervalMs);
      if (!final && (t - last < intervalMs || done >= total)) return;
      last = t;
      printed = true;
      if (done >= total) finalPrinted = true;
      const rate = done / Math.max(1e-3, (t - start) / 1000);
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      const eta = rate > 0 ? formatEta((total - done) / rate) : "?";
      stream.write(`clipkit: ${label} ${done}/${total} (${pct}%, ${rate.toFixed(1)}/s, ETA ${eta})\n`);
    },
    finish() {},
  };
}

/**
 * A one-line `\r` bar with count, rate and ETA (for terminals; no size threshold). Used by the
 * indexing commands, where the total is known only once files are hashed.
 */
export function createRateBar(stream: Writable, label: string, now: () => number = Date.now): Progress {
  const start = now();
  let last = 0;
  let drawn = false;
  return {
    update(done: number, total: number): void {
      const t = now();
      if (total === 0 || (done < total && t - last < 100)) return;
      last = t;
      drawn = true;
      const rate = done / Math.max(1e-3, (t - start) / 1000);
      const eta = rate > 0 ? (total - done) / rate : 0;
      const width = 24;
      const filled = Math.round((done / total) * width);
      const bar = `${"#".repeat(filled)}${".".repeat(width - filled)}`;
      stream.write(`\r[${bar}] ${done}/${total} ${label} ${rate.toFixed(1)}/s ETA ${formatEta(eta)}\x1b[K`);
    },
    finish(): void {
      if (drawn) stream.write("\r\x1b[2K");
      drawn = false;
    },
  };
}

/** Where a command reports progress: its stderr and the non-terminal line interval. */
export interface ProgressContext {
  readonly stderr: Writable;
  readonly progressIntervalMs?: number;
}

/**
 * A command's progress: `bar()` on a terminal, periodic plain lines anywhere else (CI logs,
 * `2> file`, pipes), so a long run is never silent and a log never fills with `\r` frames.
 */
export function commandProgress(ctx: ProgressContext, label: string, bar: () => Progress): Progress {
  if ((ctx.stderr as { isTTY?: boolean }).isTTY) return bar();
  return createLineProgress({
    stream: ctx.stderr,
    label,
    intervalMs: ctx.progressIntervalMs ?? DEFAULT_LINE_INTERVAL_MS,
  });
}
