#!/usr/bin/env node
import { commands } from "./commands/index.js";
import { main } from "./main.js";

// First Ctrl-C: a command that stops at a safe point (`index` saves a checkpoint, `embed` removes
// its partial export, `serve` drains) is asked to, and says so; any other command has nothing to
// save, so the process ends at once. A second Ctrl-C always exits at once.
const controller = new AbortController();
const interruptible = commands.find((c) => c.name === process.argv[2])?.interruptible === true;
process.on("SIGINT", () => {
  if (controller.signal.aborted || !interruptible) {
    process.stderr.write("\nclipkit: interrupted\n");
    process.exit(130);
  }
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
