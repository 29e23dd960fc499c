#!/usr/bin/env node
import { main } from "./main.js";

// First Ctrl-C: ask the running command to stop at a safe point (`index` saves a checkpoint and
// says so). A second Ctrl-C exits at once.
const controller = new AbortController();
process.on("SIGINT", () => {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write("\nclipkit: stopping at a safe point (Ctrl-C again to quit now)\n");
  controller.abort();
});

// Non-terminal progress lines come every 10 s by default; CI logs may want them more or less often.
const interval = process.env.CLIPKIT_PROGRESS_INTERVAL_MS;
const progressIntervalMs = interval !== undefined && /^\d+$/.test(interval) ? Number(interval) : undefined;
if (interval !== undefined && progressIntervalMs === undefined) {
  process.stderr.write(
    `clipkit: ignoring CLIPKIT_PROGRESS_INTERVAL_MS=${interval} (expected milliseconds, e.g. 2000)\n`,
  );
}

main(process.argv.slice(2), {
  signal: controller.signal,
  ...(progressIntervalMs === undefined ? {} : { progressIntervalMs }),
}).then((code) => {
  process.exitCode = code;
});
