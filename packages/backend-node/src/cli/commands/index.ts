import type { Command } from "../command.js";

/** Every sub-command, in `--help` order. Add one import and one entry per command file. */
export const commands: readonly Command[] = [];
