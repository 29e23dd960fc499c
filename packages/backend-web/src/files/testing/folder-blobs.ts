import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Every file below `root` as a Blob keyed by its relative path: a folder "the user picked", in Node tests. */
export function folderBlobs(root: string): Map<string, Blob> {
  const out = new Map<string, Blob>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else out.set(path, new Blob([readFileSync(join(root, path))]));
    }
  };
  walk("");
  return out;
}
