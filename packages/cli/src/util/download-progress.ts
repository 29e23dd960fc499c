/**
 * Download progress on stderr: a cli-progress bar on a terminal, a line every few seconds (and
 * one per finished file) otherwise, so logs of CI jobs show that a long download is moving.
 */
import type { Writable } from "node:stream";
import type { HubProgress } from "@clipkit/core";
import { SingleBar } from "cli-progress";

/** What a download reports to. */
export interface DownloadProgress {
  readonly onProgress: (progress: HubProgress) => void;
  /** Stops the bar (or prints nothing more). Safe to call twice. */
  finish(): void;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Progress for downloading `label` to `stream`; `intervalMs` spaces the plain lines (default 2000). */
export function downloadProgress(label: string, stream: Writable, intervalMs = 2000): DownloadProgress {
  if ((stream as { isTTY?: boolean }).isTTY) {
    const bar = new SingleBar({
      stream: stream as NodeJS.WritableStream,
      format: `${label} [{bar}] {percentage}% | {done}/{all} | {files} files | {file}`,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 24,
    });
    let started = false;
    return {
      onProgress(p) {
        const payload = {
          done: mb(p.bytes),
          all: mb(p.total),
          files: `${p.filesDone}/${p.filesTotal}`,
          file: p.file,
        };
        if (!started) {
          bar.start(p.total, p.bytes, payload);
          started = true;
        } else {
          bar.setTotal(p.total);
          bar.update(p.bytes, payload);
        }
      },
      finish() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  let last = 0;
  let filesDone = -1;
  return {
    onProgress(p) {
      const now = Date.now();
      if (p.filesDone === filesDone && now - last < intervalMs) return;
      last = now;
      filesDone = p.filesDone;
      stream.write(
        `${label}: ${p.filesDone}/${p.filesTotal} files, ${mb(p.bytes)} of ${mb(p.total)} (${p.file})\n`,
      );
    },
    finish() {},
  };
}
