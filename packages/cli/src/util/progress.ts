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
