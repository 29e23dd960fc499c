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

main(process.argv.slice(2), { signal: controller.signal }).then((code) => {
  process.exitCode = code;
});
