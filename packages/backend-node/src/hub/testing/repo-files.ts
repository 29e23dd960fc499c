/** The hub's view of a folder: per file its size, git blob id, sha256 and whether it is an LFS file. */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** One file of a fake repo commit. */
export interface RepoFile {
  readonly path: string;
  readonly size: number;
  /** Git blob id: sha1 of `blob <size>\0<bytes>` (the ETag of non-LFS files). */
  readonly gitOid: string;
  /** sha256 of the bytes (the linked ETag of LFS files). */
  readonly sha256: string;
  readonly lfs: boolean;
  readonly bytes: Buffer;
}

const LFS = /\.(onnx|onnx_data(_\d+)?|bin|safetensors)$/;

/** Reads every file under `dir` (small fixture folders only: bytes are kept in memory). */
export function readRepoFiles(dir: string): Map<string, RepoFile> {
  const out = new Map<string, RepoFile>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(join(dir, r)).isDirectory()) walk(r);
      else {
        const bytes = readFileSync(join(dir, r));
        out.set(r, {
          path: r,
          size: bytes.length,
          gitOid: createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex"),
          sha256: createHash("sha256").update(bytes).digest("hex"),
          lfs: LFS.test(name),
          bytes,
        });
      }
    }
  };
  walk("");
  return out;
}

/** A deterministic 40-hex commit id from a label (fake repos name commits by what they hold). */
export function fakeCommit(label: string): string {
  return createHash("sha1").update(label).digest("hex");
}
