import { copyFile, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../util/test-io.js";

const FIXTURES = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
const CLIP = join(FIXTURES, "tiny-clip");
const img = (n: string) => join(FIXTURES, "images", n);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-index-sem-"));
  for (const [folder, names] of [
    ["A", ["gradient.png", "gray.png"]],
    ["B", ["noise.png"]],
    ["C", ["shapes.png"]],
    ["D", ["gray.png"]],
  ] as const) {
    await mkdir(join(dir, folder));
    for (const n of names) await copyFile(img(n), join(dir, folder, n));
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Report {
  size: number;
  added: number;
  removed: number;
  moved: number;
  kept: number;
  duplicates: { paths: string[] }[];
}
const report = (stdout: string) => JSON.parse(stdout) as Report;
const paths = async (out: string) => {
  const r = await run(["search", "anything", "--index", out, "--model", CLIP, "--k", "50", "--json"]);
  const hits = (JSON.parse(r.stdout) as { results: { metadata: { path: string; paths?: string[] } }[] })
    .results;
  return hits.flatMap((h) => h.metadata.paths ?? [h.metadata.path]).sort();
};

describe("clipkit index: explicit semantics for roots, moves, duplicates and concurrency", () => {
  it("indexing folder B into an index of folder A adds B and keeps A (no silent deletion)", async () => {
    const out = join(dir, "ab.ckidx");
    expect((await run(["index", join(dir, "A"), "--model", CLIP, "--out", out])).code).toBe(0);
    const r = await run(["index", join(dir, "B"), "--model", CLIP, "--out", out, "--json"]);
    expect(report(r.stdout)).toMatchObject({ size: 3, added: 1, removed: 0, kept: 2 });
    expect(await paths(out)).toEqual([
      join(dir, "A", "gradient.png"),
      join(dir, "A", "gray.png"),
      join(dir, "B", "noise.png"),
    ]);
  });

  it("a renamed file keeps its entry under its current path; identical files are reported as duplicates", async () => {
    const out = join(dir, "moves.ckidx");
    await run(["index", join(dir, "C"), join(dir, "D"), join(dir, "A"), "--model", CLIP, "--out", out]);
    const first = await run([
      "index",
      join(dir, "C"),
      join(dir, "D"),
      join(dir, "A"),
      "--model",
      CLIP,
      "--out",
      out,
      "--json",
    ]);
    expect(report(first.stdout).duplicates.map((d) => d.paths)).toEqual([
      [join(dir, "A", "gray.png"), join(dir, "D", "gray.png")],
    ]);
    expect(first.stderr).toContain("duplicate content");
    await rename(join(dir, "C", "shapes.png"), join(dir, "C", "renamed.png"));
    const r = await run(["index", join(dir, "C"), "--model", CLIP, "--out", out, "--json"]);
    expect(report(r.stdout)).toMatchObject({ added: 0, removed: 0, moved: 1 });
    expect(await paths(out)).toContain(join(dir, "C", "renamed.png"));
    expect(await paths(out)).not.toContain(join(dir, "C", "shapes.png"));
  });

  it("--prune drops entries of vanished files outside the given folders", async () => {
    const out = join(dir, "prune.ckidx");
    await mkdir(join(dir, "E"));
    await copyFile(img("noise.png"), join(dir, "E", "n.png"));
    await run(["index", join(dir, "E"), "--model", CLIP, "--out", out]);
    await run(["index", join(dir, "C"), "--model", CLIP, "--out", out]);
    await rm(join(dir, "E"), { recursive: true });
    const kept = await run(["index", join(dir, "C"), "--model", CLIP, "--out", out, "--json"]);
    expect(report(kept.stdout)).toMatchObject({ size: 2, removed: 0 });
    const pruned = await run(["index", join(dir, "C"), "--model", CLIP, "--out", out, "--prune", "--json"]);
    expect(report(pruned.stdout)).toMatchObject({ size: 1, removed: 1 });
  });

  it("two concurrent runs into one index: the second fails with INDEX_LOCKED, or with --wait both land", async () => {
    const out = join(dir, "lock.ckidx");
    const [a, b] = await Promise.all([
      run(["index", join(dir, "A"), "--model", CLIP, "--out", out]),
      run(["index", join(dir, "B"), "--model", CLIP, "--out", out]),
    ]);
    expect([a.code, b.code].sort()).toEqual([0, 1]);
    expect(a.stderr + b.stderr).toContain("INDEX_LOCKED");
    const out2 = join(dir, "lock-wait.ckidx");
    const both = await Promise.all([
      run(["index", join(dir, "A"), "--model", CLIP, "--out", out2, "--wait"]),
      run(["index", join(dir, "B"), "--model", CLIP, "--out", out2, "--wait"]),
    ]);
    expect(both.map((r) => r.code)).toEqual([0, 0]);
    expect(await paths(out2)).toEqual([
      join(dir, "A", "gradient.png"),
      join(dir, "A", "gray.png"),
      join(dir, "B", "noise.png"),
    ]);
  });

  it("a missing --out folder is reported before any embedding, naming the real path", async () => {
    const out = join(dir, "no-such-folder", "x.ckidx");
    const r = await run(["index", join(dir, "A"), "--model", CLIP, "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("IO_FAILED");
    expect(r.stderr).toContain(join(dir, "no-such-folder"));
    expect(r.stderr).not.toMatch(/\.tmp/);
  });
});
