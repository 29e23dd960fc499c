import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isClipkitError } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { MODELS_DIR } from "../model/fixtures.js";
import { loadClipModel } from "../model/load.js";
import { loadCaptioner } from "../vlm/load.js";
import { resolveModelSource } from "./resolve.js";
import { COMMITS, EMOJI_DIR, FAKE_REPOS } from "./testing/fixtures.js";
import { readRepoFiles } from "./testing/repo-files.js";
import { useHubServer } from "./testing/test-bed.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = resolve(here, "../../../..");
const bed = useHubServer(() => FAKE_REPOS);
const { freshCache, hub } = bed;
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe("loaders accept hub ids", () => {
  it("loadClipModel by id embeds exactly like the folder it came from", async () => {
    const cache = await freshCache();
    const fromHub = await loadClipModel("clipkit/tiny-clip", { hub: hub(cache) });
    const fromDir = await loadClipModel(`${MODELS_DIR}tiny-clip`);
    try {
      const a = await fromHub.embedTexts(["a photo of a cat", "a red heart"]);
      const b = await fromDir.embedTexts(["a photo of a cat", "a red heart"]);
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
      expect(fromHub.scoring).toEqual(fromDir.scoring);
      expect(fromHub.space.id).toBe(fromDir.space.id);
    } finally {
      await Promise.all([fromHub.release(), fromDir.release()]);
    }
  });

  it("loadCaptioner by id selects only the graphs the layout uses", async () => {
    const cache = await freshCache();
    const c = await loadCaptioner("clipkit/captioner", { hub: hub(cache) });
    try {
      expect(c.family).toBe("encoder-decoder");
      const snap = join(cache, "models--clipkit--captioner", "snapshots", COMMITS.captioner, "onnx");
      expect((await readdir(snap)).sort()).toEqual(["decoder_model_merged.onnx", "encoder_model.onnx"]);
    } finally {
      await c.release();
    }
  });

  it("an existing path wins; neither a path nor an id fails naming both", async () => {
    const n = bed.server.requests.length;
    // `fixtures/models` is shaped like an id but exists relative to the repo root (vitest's cwd).
    expect(await resolveModelSource("fixtures/models", hub(await freshCache()))).toBe("fixtures/models");
    expect(bed.server.requests.length).toBe(n);
    const e = await errorOf(resolveModelSource("no such/thing/here", hub(await freshCache())));
    expect(isClipkitError(e, "MODEL_FILE_MISSING")).toBe(true);
    expect((e as Error).message).toMatch(/neither an existing path \(looked for .*\) nor a hub repo id/);
    const missing = await errorOf(loadClipModel("models/clip-vit-nope", { hub: hub(await freshCache()) }));
    expect(isClipkitError(missing, "NOT_FOUND")).toBe(true);
    expect((missing as Error).message).toMatch(/no such path \(looked for .*models\/clip-vit-nope\)/);
  });
});

describe("cache shared with Python's huggingface_hub", () => {
  it("reuses a cache laid out by hand as huggingface_hub leaves it, without any request", async () => {
    const cache = await freshCache();
    const folder = join(cache, "models--clipkit--emoji");
    const commit = COMMITS.emoji;
    for (const f of readRepoFiles(EMOJI_DIR).values()) {
      // huggingface_hub: blobs named by the ETag (sha256 for LFS files, git blob id otherwise),
      // snapshots/<commit>/<path> → relative symlink, refs/main = the commit without newline.
      const blob = join(folder, "blobs", f.lfs ? f.sha256 : f.gitOid);
      await mkdir(dirname(blob), { recursive: true });
      await writeFile(blob, f.bytes);
      const pointer = join(folder, "snapshots", commit, f.path);
      await mkdir(dirname(pointer), { recursive: true });
      await symlink(relative(dirname(pointer), blob), pointer);
    }
    await mkdir(join(folder, "refs"), { recursive: true });
    await writeFile(join(folder, "refs", "main"), commit);
    const n = bed.server.requests.length;
    const model = await loadClipModel("clipkit/emoji", { hub: hub(cache) });
    try {
      expect(bed.server.requests.length).toBe(n);
      const e = await model.embedTexts(["rocket"]);
      expect(e.dim).toBeGreaterThan(0);
    } finally {
      await model.release();
    }
  });

  it("two processes downloading one model into one cache do not corrupt it and fetch each blob once", async () => {
    const cache = await freshCache();
    // Slow bodies keep both processes inside the download at once (each blob takes seconds).
    bed.server.slowChunkMs = 2;
    bed.server.fault("/lfs/", "slow", 2);
    const n = bed.server.requests.length;
    const run = () =>
      new Promise<string>((done, fail) => {
        const child = spawn(
          process.execPath,
          [
            "--conditions=@clipkit/source",
            "--import",
            "tsx",
            join(here, "testing", "download-child.ts"),
            "clipkit/emoji",
            cache,
            bed.server.url,
          ],
          { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
        );
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => {
          out += d;
        });
        child.stderr.on("data", (d) => {
          err += d;
        });
        child.on("exit", (code) => (code === 0 ? done(out) : fail(new Error(`child failed: ${err}`))));
      });
    const [a, b] = await Promise.all([run(), run()]);
    bed.server.slowChunkMs = 50;
    expect(JSON.parse(a!)).toEqual(JSON.parse(b!));
    const files = readRepoFiles(EMOJI_DIR);
    const snap = join(cache, "models--clipkit--emoji", "snapshots", COMMITS.emoji);
    for (const f of JSON.parse(a!).files as string[]) {
      const bytes = await readFile(join(snap, f));
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(files.get(f)!.sha256);
    }
    const bodies = bed.server.requests
      .slice(n)
      .filter((r) => r.path.startsWith("/lfs/") && r.range !== "bytes=0-0");
    expect(bodies.map((r) => r.path).sort()).toEqual(
      [...files.values()]
        .filter((f) => f.lfs)
        .map((f) => `/lfs/${f.sha256}`)
        .sort(),
    );
  });
});
