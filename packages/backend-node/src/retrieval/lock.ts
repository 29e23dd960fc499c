import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ClipkitError } from "@clipkit/core";
import lockfile from "proper-lockfile";

/** Options of {@link lockIndexFile}. */
export interface IndexLockOptions {
  /** Wait for another holder instead of failing at once (default false). */
  wait?: boolean;
  /** When waiting, give up after this many milliseconds (default 10 minutes). */
  waitMs?: number;
}

/** A held lock on an index file. */
export interface IndexLock {
  /** Throws `INDEX_LOCKED` if the lock was lost (e.g. taken over as stale), before a save. */
  assertHeld(): void;
  release(): Promise<void>;
}

/**
 * Takes the cross-process lock of an index file (`<path>.lock`, a directory made atomically by
 * proper-lockfile and refreshed while held; a lock left by a killed process turns stale after 10 s
 * and is taken over). Two `clipkit index` runs into one file would otherwise both exit 0 with one
 * run's work gone. Throws `INDEX_LOCKED` naming the file when another process holds it.
 */
export async function lockIndexFile(path: string, options: IndexLockOptions = {}): Promise<IndexLock> {
  const target = resolve(path);
  let lost: Error | undefined;
  const waitMs = options.waitMs ?? 600_000;
  const staleMs = 10_000;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      stale: staleMs,
      update: 2_000,
      retries: options.wait ? { retries: Math.ceil(waitMs / 500), minTimeout: 500, maxTimeout: 500 } : 0,
      // proper-lockfile's default throws from a timer, which would crash the process.
      onCompromised: (error) => {
        lost = error;
      },
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ELOCKED") {
      throw new ClipkitError(
        "INDEX_LOCKED",
        `${target} is being updated by another process (lock ${target}.lock); wait for it to finish` +
          (options.wait ? ` (waited ${Math.round(waitMs / 1000)} s)` : " or pass --wait") +
          (await staleHint(`${target}.lock`, staleMs)),
        { cause: error, details: { file: target } },
      );
    }
    throw new ClipkitError(
      "IO_FAILED",
      `cannot lock ${target}: ${(error as Error).message} (is ${dirname(target)} writable?)`,
      { cause: error, details: { file: target } },
    );
  }
  return {
    assertHeld() {
      if (lost) {
        throw new ClipkitError(
          "INDEX_LOCKED",
          `${target}: the index lock was lost (${lost.message}); not saving`,
          {
            cause: lost,
            details: { file: target },
          },
        );
      }
    },
    async release() {
      if (lost) return;
      await release().catch(() => {});
    },
  };
}

/**
 * The holder refreshes the lock's mtime every 2 s; an older mtime means it has probably been killed.
 * Says so, and when the lock will be taken over, so that a rerun right after a kill is not
 * mistaken for a live concurrent update.
 */
async function staleHint(lockPath: string, staleMs: number): Promise<string> {
  const mtime = await stat(lockPath).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  if (mtime === undefined) return "";
  const age = Date.now() - mtime;
  if (age < 5_000) return "";
  const left = Math.max(0, Math.ceil((staleMs - age) / 1000));
  return `; its last refresh was ${Math.round(age / 1000)} s ago, so its holder was probably killed: the lock is taken over ${staleMs / 1000} s after the last refresh (in about ${left} s)`;
}
