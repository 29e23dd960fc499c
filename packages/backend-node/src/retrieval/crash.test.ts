import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FlatIndex, syntheticEmbeddings } from "@clipkit/core";
import { afterAll, describe, expect, it } from "vitest";
import { loadFlatIndexFile, saveFlatIndexFile } from "./files.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = resolve(here, "../../../..");
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Starts the saving child, waits until it is inside its `round`-th save, then SIGKILLs it. */
function killDuringSave(path: string, round: number, delayMs: number): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@clipkit/source", "--import", "tsx", join(here, "crash-child.fixture.ts"), path],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
    );
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.stdout.on("data", (d: Buffer) => {
      if (d.toString().includes(`saving ${round}`)) setTimeout(() => child.kill("SIGKILL"), delayMs);
    });
    child.on("exit", (_code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") done();
      else fail(new Error(`child exited on its own: ${err}`));
    });
  });
}

describe("crash safety", () => {
  it("a process killed while saving leaves the previous index loadable", async () => {
    const dir = await mkdtemp(join(tmpdir(), "clipkit-crash-"));
    dirs.push(dir);
    const path = join(dir, "gallery.ckidx");
    const small = syntheticEmbeddings({ count: 3, dim: 256, seed: 2 });
    const before = new FlatIndex(small.space);
    before.add(["x", "y", "z"], small);
    await saveFlatIndexFile(before, path);
    // Several kill points: right at the start of the first save, and inside later ones.
    for (const [round, delay] of [
      [0, 0],
      [1, 10],
    ] as const) {
      await killDuringSave(path, round, delay);
      const after = await loadFlatIndexFile(path);
      // Either the old 3-item file or a complete 10 000-item one: never a torn file.
      expect([3, 10_000]).toContain(after.size());
      expect(after.search(small, { k: 1 })[0]![0]!.score).toBeGreaterThan(0.99);
    }
    // Strays are only temp files, never a half-written target.
    const names = await readdir(dir);
    expect(names.filter((n) => !n.endsWith(".tmp"))).toEqual(["gallery.ckidx"]);
  });
});
