import { readdir, realpath, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { ClipkitError } from "@clipkit/core";

/** File extensions treated as images when walking a folder. */
export const IMAGE_EXTENSIONS: readonly string[] = [
  ".jpg",
  ".jpeg",
  ".png",
  ".webp",
  ".gif",
  ".avif",
  ".tif",
  ".tiff",
  ".bmp",
];

/**
 * Image formats clipkit recognises but this build cannot decode (sharp's prebuilt libvips has no
 * HEVC decoder): walked files of these kinds are reported as ignored with the reason, never
 * dropped silently.
 */
export const UNDECODABLE_EXTENSIONS: readonly string[] = [".heic", ".heif"];

const isImage = (name: string): boolean => IMAGE_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));
const isUndecodable = (name: string): boolean =>
  UNDECODABLE_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));

/** Why a walked path was not taken. */
export type IgnoredReason = "not-an-image" | "undecodable-format" | "symlink" | "hidden" | "special-file";

/** A path a folder walk saw and did not take, with the reason. */
export interface IgnoredPath {
  path: string;
  reason: IgnoredReason;
}

/** Options of {@link expandImages}. */
export interface ExpandOptions {
  /** Follow symbolic links to files and folders (cycles are walked once). Default false. */
  followSymlinks?: boolean;
}

/** What {@link expandImages} found. */
export interface ExpandedImages {
  /** Image paths, absolute, sorted and de-duplicated. */
  paths: string[];
  /** Everything seen in walked folders and not taken, with the reason. */
  ignored: IgnoredPath[];
}

/** Turns `*`, `**` and `?` into an anchored regular expression over `/`-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      // `**/` matches zero or more whole directories.
      const slash = glob[i + 2] === "/";
      re += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

interface Walk {
  readonly follow: boolean;
  readonly out: string[];
  readonly ignored: IgnoredPath[];
  /** Real paths of folders entered, so a symlink cycle is walked once. */
  readonly seen: Set<string>;
}

/** Splits a glob into the folder before its first wildcard and a pattern for the rest. */
function parseGlob(arg: string): { root: string; pattern: RegExp } {
  const posix = arg.split(sep).join("/");
  const parts = posix.split("/");
  const fixed = parts
    .slice(
      0,
      parts.findIndex((p) => /[*?]/.test(p)),
    )
    .join("/");
  return {
    root: resolve(fixed === "" ? "." : fixed),
    pattern: globToRegExp(posix.slice(fixed === "" ? 0 : fixed.length + 1)),
  };
}

async function walk(dir: string, w: Walk, keep: (path: string) => boolean): Promise<void> {
  const real = await realpath(dir).catch(() => dir);
  if (w.seen.has(real)) return;
  w.seen.add(real);
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.name.startsWith(".")) {
      w.ignored.push({ path, reason: "hidden" });
      continue;
    }
    let kind: "dir" | "file" | "other" = e.isDirectory() ? "dir" : e.isFile() ? "file" : "other";
    if (e.isSymbolicLink()) {
      if (!w.follow) {
        w.ignored.push({ path, reason: "symlink" });
        continue;
      }
      const target = await stat(path).catch(() => undefined);
      kind = target?.isDirectory() ? "dir" : target?.isFile() ? "file" : "other";
    }
    if (kind === "dir") await walk(path, w, keep);
    else if (kind === "other") w.ignored.push({ path, reason: "special-file" });
    else if (keep(path)) w.out.push(path);
  }
}

const imageFilter =
  (w: Walk) =>
  (path: string): boolean => {
    if (isImage(path)) return true;
    w.ignored.push({ path, reason: isUndecodable(path) ? "undecodable-format" : "not-an-image" });
    return false;
  };

/**
 * Expands CLI arguments into image paths, sorted and de-duplicated: a folder is walked
 * recursively for image extensions, a glob (`photos/**\/*.jpg`) is matched from its fixed prefix,
 * and a plain file is taken as is. Everything a walk sees and does not take (other extensions,
 * HEIC, symlinks unless `followSymlinks`, hidden and special files) is listed in `ignored`.
 * Nothing matching gives empty `paths`; a missing argument throws `NOT_FOUND` and one that is neither a file nor a folder (a FIFO,
 * a device) throws `INVALID_ARGUMENT` naming it.
 */
export async function expandImages(
  args: readonly string[],
  options: ExpandOptions = {},
): Promise<ExpandedImages> {
  const found = new Set<string>();
  const ignored: IgnoredPath[] = [];
  const w = (): Walk => ({ follow: options.followSymlinks ?? false, out: [], ignored, seen: new Set() });
  for (const arg of args) {
    if (/[*?]/.test(arg)) {
      const { root, pattern } = parseGlob(arg);
      const walker = w();
      await walk(root, walker, () => true).catch(() => {});
      for (const f of walker.out) if (pattern.test(relative(root, f).split(sep).join("/"))) found.add(f);
      continue;
    }
    const info = await stat(arg).catch(() => undefined);
    if (info?.isDirectory()) {
      const walker = w();
      await walk(resolve(arg), walker, imageFilter(walker));
      for (const f of walker.out) found.add(f);
    } else if (info?.isFile()) found.add(resolve(arg));
    else if (info) {
      throw new ClipkitError("INVALID_ARGUMENT", `${arg} is neither a file nor a folder`, {
        details: { argument: "images", path: arg },
      });
    } else {
      throw new ClipkitError("NOT_FOUND", `no such file or folder: ${arg}`, {
        details: { argument: "images", path: arg },
      });
    }
  }
  return { paths: [...found].sort(), ignored };
}

/**
 * {@link expandImages} without the report: just the sorted image paths; nothing matching throws
 * `NOT_FOUND`.
 */
export async function expandImageArgs(
  args: readonly string[],
  options: ExpandOptions = {},
): Promise<string[]> {
  const { paths, ignored } = await expandImages(args, options);
  if (paths.length === 0) {
    throw new ClipkitError("NOT_FOUND", `no images matched ${args.join(" ")}`, {
      details: { argument: "images", ignored: ignored.length },
    });
  }
  return paths;
}

/**
 * A predicate for {@link UpdateGalleryOptions.inScope}: true for paths that the same arguments
 * would cover (inside a walked folder, matching a glob, or a listed file), whether or not the
 * file still exists, so entries of deleted files in those places are reconciled.
 */
export function scopeOf(args: readonly string[]): (path: string) => boolean {
  const tests = args.map((arg): ((p: string) => boolean) => {
    if (/[*?]/.test(arg)) {
      const { root, pattern } = parseGlob(arg);
      return (p) => p.startsWith(root + sep) && pattern.test(relative(root, p).split(sep).join("/"));
    }
    const abs = resolve(arg);
    return (p) => p === abs || p.startsWith(abs + sep);
  });
  return (p) => tests.some((t) => t(p));
}
