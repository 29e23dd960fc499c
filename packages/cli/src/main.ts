import { isClipkitError } from "@clipkit/core";
import type { CommandContext } from "./command.js";
import { commands } from "./commands/index.js";
import { VERSION } from "./version.js";

function help(): string {
  const width = Math.max(0, ...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: clipkit <command> [options]\n       clipkit --version\n\nCommands:\n${lines.join("\n")}\n\nRun 'clipkit <command> --help' for a command's options.\n`;
}

/** The message of a Node system error (`ENOSPC`, `EACCES`, `ENOTDIR` … from a syscall), else undefined. */
function systemErrorMessage(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, syscall } = error as NodeJS.ErrnoException;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) && typeof syscall === "string"
    ? error.message
    : undefined;
}

/** Runs the CLI with `argv` (without node and script path); returns the exit code. Never throws. */
export async function main(argv: readonly string[], io?: Partial<CommandContext>): Promise<number> {
  const stdout = io?.stdout ?? process.stdout;
  const stderr = io?.stderr ?? process.stderr;
  const isTTY = io?.isTTY ?? Boolean(process.stdout.isTTY);
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (!name || name === "--help" || name === "-h" || name === "help") {
    stdout.write(help());
    return name ? 0 : 1;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    stderr.write(`clipkit: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    stdout.write(`${command.usage.trimEnd()}\n`);
    return 0;
  }
  try {
    return await command.run({
      argv: rest,
      stdout,
      stderr,
      isTTY,
      ...(io?.progressIntervalMs === undefined ? {} : { progressIntervalMs: io.progressIntervalMs }),
      ...(io?.signal === undefined ? {} : { signal: io.signal }),
    });
  } catch (error) {
    if (isClipkitError(error)) {
      stderr.write(`clipkit ${name}: error [${error.code}]: ${error.message}\n`);
      return 1;
    }
    const io = systemErrorMessage(error);
    if (io !== undefined) {
      // A file-system failure (no space, no permission, a file where a folder is needed) is the
      // user's environment, not a bug: said with its path, without a stack trace.
      stderr.write(`clipkit ${name}: error [IO_FAILED]: ${io}\n`);
      return 1;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    stderr.write(`clipkit ${name}: unexpected error: ${message}\n`);
    return 70;
  }
}
