import { stat } from "node:fs/promises";
import type { Writable } from "node:stream";
import { expandImages, type IgnoredPath } from "@clipkit/backend-node";
import { ClipkitError } from "@clipkit/core";

/** Flags of every command that walks folders. */
export const WALK_FLAGS = {
  "follow-symlinks": { type: "boolean" },
  "list-ignored": { type: "boolean" },
} as const;

/** Help text of {@link WALK_FLAGS}. */
export const WALK_USAGE = `  --follow-symlinks   walk symbolic links to files and folders (default: report them as ignored)
  --list-ignored      list every file a folder walk ignored (default: a one-line summary)`;

/**
 * One stderr line summarising what folder walks ignored (by reason), or every path with
 * \`--list-ignored\`, so nothing is dropped silently.
 */
export function reportIgnored(
  stderr: Writable,
  ignored: readonly IgnoredPath[],
  list: boolean | undefined,
): void {
  if (ignored.length === 0) return;
  if (list) {
    for (const i of ignored) stderr.write(`ignored ${i.path}: ${i.reason}\n`);
    return;
  }
  const by = new Map<string, number>();
  for (const i of ignored) by.set(i.reason, (by.get(i.reason) ?? 0) + 1);
  const parts = [...by].map(([reason, n]) => `${n} ${reason}`).join(", ");
  stderr.write(`ignored ${ignored.length} files in walked folders (${parts}); --list-ignored lists them\n`);
}

/**
 * Folders and globs expand to the image files in them (as for \`clipkit index\`) and what the walk
 * ignored is reported; plain file arguments keep their order and repeats, so output rows line up
 * with what was typed (a missing or unreadable one is skipped later with a report).
 */
export async function expandInputs(
  args: readonly string[],
  values: { "follow-symlinks"?: boolean | undefined; "list-ignored"?: boolean | undefined },
  stderr: Writable,
): Promise<string[]> {
  const out: string[] = [];
  const ignored: IgnoredPath[] = [];
  for (const arg of args) {
    const isFolder = await stat(arg).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (isFolder || /[*?]/.test(arg)) {
      const found = await expandImages([arg], { followSymlinks: values["follow-symlinks"] ?? false });
      if (found.paths.length === 0) stderr.write(`no images in ${arg}\n`);
      out.push(...found.paths);
      ignored.push(...found.ignored);
    } else out.push(arg);
  }
  reportIgnored(stderr, ignored, values["list-ignored"]);
  if (out.length === 0) {
    throw new ClipkitError("NOT_FOUND", `no images matched ${args.join(" ")}`, {
      details: { argument: "images" },
    });
  }
  return out;
}
