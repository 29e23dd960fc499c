import type { Writable } from "node:stream";

/** What a CLI command receives: raw argv after the command name and the streams to write to. */
export interface CommandContext {
  readonly argv: readonly string[];
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** True when stdout is a terminal (progress bars and colours only then). */
  readonly isTTY: boolean;
  /**
   * When stderr is not a terminal, progress is a plain line at most this often (default 10 s;
   * runs shorter than that print none). Tests set it to 0 to see every update.
   */
  readonly progressIntervalMs?: number;
  /** Aborted on Ctrl-C (SIGINT) by the bin; long commands stop at a safe point and say so. */
  readonly signal?: AbortSignal;
}

/** One `clipkit <name>` sub-command. Each lives in its own file under `commands/`. */
export interface Command {
  readonly name: string;
  /** One line for `clipkit --help`. */
  readonly summary: string;
  /** Full usage text for `clipkit <name> --help`. */
  readonly usage: string;
  /**
   * True when the command watches `ctx.signal` and stops at a safe point on Ctrl-C (saving or
   * cleaning up its output). For every other command the bin ends the process at the first Ctrl-C,
   * rather than promising a stop that would never come.
   */
  readonly interruptible?: boolean;
  /** Returns the process exit code. Throw `ClipkitError` for bad input; main() prints it. */
  run(ctx: CommandContext): Promise<number>;
}
