/**
 * Ctrl-C on the real process: `clipkit index` run as a child process gets a SIGINT from the OS
 * while it embeds, saves a checkpoint, says so, exits 130, and the next run resumes from it. (The
 * in-process test in commands/friction.test.ts aborts the signal directly; this one checks the bin
 * wires SIGINT to it.)
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadIndexFile } from "@clipkit/backend-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliProcessArgs, runCliCaptured as run } from "./util/test-io.js";

const FIXTURES = fileURLToPath(new URL("../../../fixtures/models/", import.meta.url));
const CLIP = join(FIXTURES, "tiny-clip");

/** A 16×16 24-bit BMP whose colours depend on `seed`, so every file has its own content hash. */
function bmp(seed: number): Buffer {
  const w = 16;
  const h = 16;
  const pixels = w * h * 3;
  const out = Buffer.alloc(54 + pixels);
  out.write("BM", 0, "latin1");
  out.writeUInt32LE(54 + pixels, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(w, 18);
  out.writeInt32LE(h, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(pixels, 34);
  for (let i = 0; i < w * h; i++) {
    out[54 + 3 * i] = (seed * 37 + i) & 255;
    out[55 + 3 * i] = (seed * 11 + 3 * i) & 255;
    out[56 + 3 * i] = (seed * 5) & 255;
  }
  return out;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-sigint-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("clipkit index and a real SIGINT", () => {
  it("saves a checkpoint, says so, exits 130, and the next run resumes", async () => {
    // Enough files that the run is still embedding when the signal lands.
    const photos = join(dir, "photos");
    await mkdir(photos);
    for (let i = 0; i < 40; i++) await writeFile(join(photos, `${i}.bmp`), bmp(i));
    const out = join(dir, "interrupted.ckidx");
    const child = spawn(
      process.execPath,
      cliProcessArgs(["index", photos, "--model", CLIP, "--out", out, "--batch-size", "1"]),
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CLIPKIT_PROGRESS_INTERVAL_MS: "0" } },
    );
    let stderr = "";
    let signalled = false;
    child.stderr.on("data", (d) => {
      stderr += String(d);
      // The first progress line with at least two images done: interrupt like a user would.
      if (!signalled && /images embedded ([2-9]|\d\d)\/40/.test(stderr)) {
        signalled = true;
        child.kill("SIGINT");
      }
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      expect(await exited).toBe(130);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    expect(signalled, stderr).toBe(true);
    expect(stderr).toContain("clipkit: stopping at a safe point");
    const saved =
      /interrupted after embedding (\d+) of 40 new images; saved them to .*interrupted\.ckidx \(\1 images in it now\); re-run the same command to embed the rest/.exec(
        stderr,
      );
    expect(saved, stderr).not.toBeNull();
    const kept = Number(saved![1]);
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(40);
    expect((await loadIndexFile(out)).index.size()).toBe(kept);
    const again = await run(["index", photos, "--model", CLIP, "--out", out, "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ size: 40, added: 40 - kept, unchanged: kept });
  }, 120_000);
});

/** Runs the bin on `args`; sends SIGINT once stderr matches `when`; resolves to code and stderr. */
async function interrupt(args: string[], when: RegExp): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, cliProcessArgs(args), {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CLIPKIT_PROGRESS_INTERVAL_MS: "0" },
  });
  let stderr = "";
  let signalled = false;
  child.stderr.on("data", (d) => {
    stderr += String(d);
    if (!signalled && when.test(stderr)) {
      signalled = true;
      child.kill("SIGINT");
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    return { code: await exited, stderr };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

describe("Ctrl-C on commands other than index", () => {
  it("a command with nothing to save (classify) ends at the first Ctrl-C instead of promising a safe stop", async () => {
    const photos = join(dir, "classify-photos");
    await mkdir(photos);
    for (let i = 0; i < 200; i++) await writeFile(join(photos, `${i}.bmp`), bmp(i));
    const r = await interrupt(
      ["classify", photos, "--labels", "a,b", "--model", CLIP, "--batch-size", "1"],
      /images \d+\/200/,
    );
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain("clipkit: interrupted");
    expect(r.stderr).not.toContain("stopping at a safe point");
    expect(r.stderr).not.toMatch(/images 200\/200/);
  }, 120_000);

  it("embed removes its partial export, says so and exits 130", async () => {
    const photos = join(dir, "embed-photos");
    await mkdir(photos);
    for (let i = 0; i < 40; i++) await writeFile(join(photos, `${i}.bmp`), bmp(i));
    const out = join(dir, "emb");
    const r = await interrupt(
      ["embed", photos, "--model", CLIP, "--out", out, "--batch-size", "1"],
      /images embedded ([2-9]|\d\d)\/40/,
    );
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(`clipkit embed: interrupted; removed the partial export from ${out}`);
    for (const sub of ["img_emb", "metadata"]) {
      expect(await readdir(join(out, sub)).catch(() => [])).toEqual([]);
    }
  }, 120_000);
});
