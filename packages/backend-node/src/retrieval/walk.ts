import { readdir, stat } from "node:fs/promises";
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

const isImage = (name: string): boolean => IMAGE_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));

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

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) await walk(path, out);
    else if (e.isFile()) out.push(path);
  }
}

/**
 * Expands CLI arguments into image paths, sorted and de-duplicated: a folder is walked
 * recursively for image extensions, a glob (`photos/**\/*.jpg`) is matched from its fixed prefix,
 * and a plain file is taken as is. Nothing matching throws `NOT_FOUND`.
 */
export async function expandImageArgs(args: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const arg of args) {
    if (/[*?]/.test(arg)) {
      const posix = arg.split(sep).join("/");
      const parts = posix.split("/");
      const fixed = parts
        .slice(
          0,
          parts.findIndex((p) => /[*?]/.test(p)),
        )
        .join("/");
      const root = resolve(fixed === "" ? "." : fixed);
      const pattern = globToRegExp(posix.slice(fixed === "" ? 0 : fixed.length + 1));
      const files: string[] = [];
      await walk(root, files).catch(() => {});
      for (const f of files) if (pattern.test(relative(root, f).split(sep).join("/"))) found.add(f);
      continue;
    }
    const info = await stat(arg).catch(() => undefined);
    if (info?.isDirectory()) {
      const files: string[] = [];
      await walk(resolve(arg), files);
      for (const f of files) if (isImage(f)) found.add(f);
    } else if (info?.isFile()) found.add(resolve(arg));
    else {
      throw new ClipkitError("NOT_FOUND", `no such file or folder: ${arg}`, {
        details: { argument: "images", path: arg },
      });
    }
  }
  if (found.size === 0) {
    throw new ClipkitError("NOT_FOUND", `no images matched ${args.join(" ")}`, {
      details: { argument: "images" },
    });
  }
  return [...found].sort();
}
