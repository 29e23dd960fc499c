import { createHash } from "node:crypto";
import { cp, mkdir, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { HubProgress } from "@clipkit/core";
import { isClipkitError } from "@clipkit/core";
import { afterEach, describe, expect, it } from "vitest";
import { MODELS_DIR } from "../model/fixtures.js";
import { type DownloadModelOptions, downloadModel } from "./resolve.js";
import { COMMITS, FAKE_REPOS, TOKEN } from "./testing/fixtures.js";
import { startHubServer } from "./testing/hub-server.js";
import { useHubServer } from "./testing/test-bed.js";

const bed = useHubServer(() => FAKE_REPOS);
const { freshCache } = bed;
afterEach(() => {
  bed.server.slowChunkMs = 50;
  expect(bed.server.faultsLeft).toBe(0);
});

/** Options pointing at the local server, isolated from the user's environment. */
const opts = (cacheDir: string, extra: DownloadModelOptions = {}): DownloadModelOptions => ({
  ...bed.hub(cacheDir),
  retries: 5,
  ...extra,
});

const sha256 = async (p: string) =>
  createHash("sha256")
    .update(await readFile(p))
    .digest("hex");
const since = (n: number) => bed.server.requests.slice(n);
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe("downloadModel", () => {
  it("first download: selects the dtype's files and writes Python's cache layout under the revision's commit", async () => {
    const cache = await freshCache();
    const events: HubProgress[] = [];
    const m = await downloadModel("clipkit/tiny-clip", opts(cache, { onProgress: (p) => events.push(p) }));
    expect(m.commit).toBe(COMMITS.clip);
    expect(m.fromCache).toBe(false);
    expect([...m.files].sort()).toEqual(
      [
        "config.json",
        "preprocessor_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "onnx/text_model.onnx",
        "onnx/vision_model.onnx",
        "onnx/vision_model.onnx_data",
        // The combined graph is wanted only for its logit scale: read over Range, recorded.
        "onnx/model.onnx.clipkit-scoring.json",
      ].sort(),
    );
    const folder = join(cache, "models--clipkit--tiny-clip");
    expect(await readFile(join(folder, "refs", "main"), "utf8")).toBe(COMMITS.clip);
    // One snapshot folder, named by the revision's commit (the tree's per-file lastCommit ids differ).
    expect(await readdir(join(folder, "snapshots"))).toEqual([COMMITS.clip]);
    const link = await readlink(join(m.dir, "onnx", "vision_model.onnx_data"));
    const data = await sha256(join(MODELS_DIR, "tiny-clip", "onnx", "vision_model.onnx_data"));
    expect(link).toBe(`../../../blobs/${data}`);
    expect(await readlink(join(m.dir, "config.json"))).toMatch(/^\.\.\/\.\.\/blobs\/[0-9a-f]{40}$/);
    for (const f of m.files.filter((p) => !p.endsWith(".clipkit-scoring.json"))) {
      expect(await sha256(join(m.dir, f))).toBe(await sha256(join(MODELS_DIR, "tiny-clip", f)));
    }
    expect((await readdir(join(folder, "blobs"))).filter((b) => b.includes("incomplete"))).toEqual([]);
    const last = events.at(-1)!;
    expect(last.bytes).toBe(last.total);
    expect(last.filesDone).toBe(7);
    expect(events.every((e, i) => i === 0 || e.bytes >= events[i - 1]!.bytes)).toBe(true);
  });

  it("second run uses the cache without a request, also with the server gone", async () => {
    const cache = await freshCache();
    await downloadModel("clipkit/emoji", opts(cache));
    const n = bed.server.requests.length;
    const again = await downloadModel("clipkit/emoji", opts(cache, { endpoint: "http://127.0.0.1:9" }));
    expect(again.fromCache).toBe(true);
    expect(since(n)).toEqual([]);
    const offline = await downloadModel("clipkit/emoji", opts(cache, { offline: true }));
    expect(offline.dir).toBe(again.dir);
  });

  it("downloads only the other dtype's graphs when the dtype changes", async () => {
    const cache = await freshCache();
    const m = await downloadModel(
      "clipkit/tiny-clip",
      opts(cache, { dtype: "fp16", calibrateScoring: false }),
    );
    expect(m.files.filter((f) => f.endsWith(".onnx")).sort()).toEqual([
      "onnx/text_model_fp16.onnx",
      "onnx/vision_model_fp16.onnx",
    ]);
    const e = await errorOf(downloadModel("clipkit/tiny-clip", opts(cache, { dtype: "q4" })));
    expect(isClipkitError(e, "MODEL_FILE_MISSING")).toBe(true);
    expect((e as Error).message).toMatch(/fp16/);
  });

  it("pins revisions: a tag, then its commit without any request", async () => {
    const cache = await freshCache();
    const tag = await downloadModel("clipkit/tiny-clip@v1", opts(cache));
    expect(tag.commit).toBe(COMMITS.siglip);
    expect(JSON.parse(await readFile(join(tag.dir, "config.json"), "utf8")).model_type).toBe("siglip");
    expect(await readFile(join(cache, "models--clipkit--tiny-clip", "refs", "v1"), "utf8")).toBe(
      COMMITS.siglip,
    );
    const n = bed.server.requests.length;
    const pinned = await downloadModel(`clipkit/tiny-clip@${COMMITS.siglip}`, opts(cache));
    expect(pinned.dir).toBe(tag.dir);
    expect(since(n)).toEqual([]);
    const viaOption = await downloadModel("clipkit/tiny-clip", opts(cache, { revision: "v1" }));
    expect(viaOption.commit).toBe(COMMITS.siglip);
  });

  it("resumes a file after the connection drops mid-way", async () => {
    const cache = await freshCache();
    bed.server.fault("/lfs/", "drop", 1);
    const n = bed.server.requests.length;
    const m = await downloadModel("clipkit/emoji", opts(cache));
    const resumed = since(n).filter(
      (r) => r.path.startsWith("/lfs/") && /^bytes=[1-9]\d*-$/.test(r.range ?? ""),
    );
    expect(resumed).toHaveLength(1);
    for (const f of m.files)
      expect(await sha256(join(m.dir, f))).toBe(
        await sha256(join(FAKE_REPOS["clipkit/emoji"]!.commits[COMMITS.emoji]!, f)),
      );
  });

  it("retries 5xx answers and stalled connections, then succeeds", async () => {
    const cache = await freshCache();
    bed.server.fault("/api/models/clipkit/captioner", "500", 2);
    bed.server.fault("decoder_model_merged", "500", 1);
    bed.server.fault("/lfs/", "slow", 1);
    bed.server.slowChunkMs = 400;
    const n = bed.server.requests.length;
    const m = await downloadModel("clipkit/captioner", opts(cache, { stallTimeoutMs: 150 }));
    // The stalled transfer was dropped and resumed from the bytes it had.
    expect(since(n).some((r) => r.path.startsWith("/lfs/") && /^bytes=[1-9]\d*-$/.test(r.range ?? ""))).toBe(
      true,
    );
    expect(m.files).toContain("onnx/decoder_model_merged.onnx");
    for (const f of m.files) {
      expect(await sha256(join(m.dir, f))).toBe(await sha256(join(MODELS_DIR, "tiny-captioner", f)));
    }
  });

  it("rejects a file whose sha256 differs from its linked ETag and leaves nothing behind", async () => {
    const cache = await freshCache();
    bed.server.fault("/lfs/", "corrupt", 1);
    const e = await errorOf(downloadModel("clipkit/emoji", opts(cache)));
    expect(isClipkitError(e, "CHECKSUM_MISMATCH")).toBe(true);
    const folder = join(cache, "models--clipkit--emoji");
    const blobs = await readdir(join(folder, "blobs"));
    expect(blobs.filter((b) => b.endsWith(".incomplete"))).toEqual([]);
    // A clean second attempt succeeds.
    const m = await downloadModel("clipkit/emoji", opts(cache));
    expect(m.files.length).toBeGreaterThan(3);
  });

  it("maps 404 repo/revision, 401 gated and 403 wrong token to typed errors without printing the token", async () => {
    const cache = await freshCache();
    const missing = await errorOf(downloadModel("clipkit/nope", opts(cache)));
    expect(isClipkitError(missing, "NOT_FOUND")).toBe(true);
    const missingAuth = await errorOf(downloadModel("clipkit/nope", opts(cache, { token: "hf_other" })));
    expect(isClipkitError(missingAuth, "NOT_FOUND")).toBe(true);
    const rev = await errorOf(downloadModel("clipkit/tiny-clip@nope", opts(cache)));
    expect(isClipkitError(rev, "NOT_FOUND")).toBe(true);
    const gated = await errorOf(downloadModel("clipkit/gated", opts(cache)));
    expect(isClipkitError(gated, "HUB_AUTH_REQUIRED")).toBe(true);
    expect((gated as Error).message).toMatch(/licence.*token/);
    const wrong = await errorOf(downloadModel("clipkit/gated", opts(cache, { token: "hf_wrong_secret" })));
    expect(isClipkitError(wrong, "HUB_AUTH_REQUIRED")).toBe(true);
    expect(
      JSON.stringify({ m: (wrong as Error).message, d: (wrong as { details: unknown }).details }),
    ).not.toContain("hf_wrong_secret");
    const n = bed.server.requests.length;
    const ok = await downloadModel("clipkit/gated", opts(cache, { token: TOKEN }));
    expect(ok.commit).toBe(COMMITS.clip);
    // The token goes to the hub, never to the file host the LFS redirects lead to.
    const lfs = since(n).filter((r) => r.path.startsWith("/lfs/"));
    expect(lfs.length).toBeGreaterThan(0);
    expect(lfs.some((r) => r.authorized)).toBe(false);
    expect(since(n).some((r) => r.path.includes("/resolve/") && r.authorized)).toBe(true);
  });

  it("offline (option or HF_HUB_OFFLINE=1) never touches the network and says what is missing", async () => {
    const cache = await freshCache();
    const n = bed.server.requests.length;
    const e = await errorOf(downloadModel("clipkit/tiny-clip", opts(cache, { offline: true })));
    expect(isClipkitError(e, "MODEL_FILE_MISSING")).toBe(true);
    expect((e as { details: Record<string, unknown> }).details.offline).toBe(true);
    process.env.HF_HUB_OFFLINE = "1";
    try {
      const { offline: _o, ...noOffline } = opts(cache);
      const env = await errorOf(downloadModel("clipkit/tiny-clip", noOffline));
      expect(isClipkitError(env, "MODEL_FILE_MISSING")).toBe(true);
    } finally {
      delete process.env.HF_HUB_OFFLINE;
    }
    expect(since(n)).toEqual([]);
    // Cached fp32, then offline fp16: the cache lacks those graphs.
    await downloadModel("clipkit/tiny-clip", opts(cache));
    const other = await errorOf(
      downloadModel("clipkit/tiny-clip", opts(cache, { offline: true, dtype: "fp16" })),
    );
    expect((other as Error).message).toMatch(/offline.*lacks/);
  });

  it("fetches the external data a graph records under any name (torch's X.onnx.data, sub-folders)", async () => {
    // A repo whose text graph keeps weights in onnx/graph.onnx.data, onnx/weights/w1.bin and
    // onnx/sub/w3.bin (the external-data fixture, renamed), plus a file nothing references.
    const repoDir = await freshCache();
    await cp(join(MODELS_DIR, "tiny-clip"), repoDir, { recursive: true });
    await cp(join(MODELS_DIR, "external-data", "ok", "onnx"), join(repoDir, "onnx"), { recursive: true });
    await cp(join(repoDir, "onnx", "graph.onnx"), join(repoDir, "onnx", "text_model.onnx"));
    await mkdir(join(repoDir, "onnx", "weights"), { recursive: true });
    await writeFile(join(repoDir, "onnx", "weights", "unused.bin"), "x");
    const commit = "e".repeat(40);
    const local = await startHubServer({
      "clipkit/ext": { refs: { main: commit }, commits: { [commit]: repoDir } },
    });
    try {
      const cache = await freshCache();
      const o = { ...opts(cache), endpoint: local.url, calibrateScoring: false };
      const m = await downloadModel("clipkit/ext", o);
      expect(m.files).toEqual(
        expect.arrayContaining([
          "onnx/graph.onnx.data",
          "onnx/weights/w1.bin",
          "onnx/sub/w3.bin",
          "onnx/vision_model.onnx_data",
        ]),
      );
      expect(m.files).not.toContain("onnx/weights/unused.bin");
      expect(await readFile(join(m.dir, "onnx", "sub", "w3.bin"))).toEqual(
        await readFile(join(repoDir, "onnx", "sub", "w3.bin")),
      );
      const n = local.requests.length;
      expect((await downloadModel("clipkit/ext", o)).fromCache).toBe(true);
      expect(local.requests.length).toBe(n);
      // A cached snapshot lacking a recorded file is not complete: offline says so.
      await rm(join(m.dir, "onnx", "weights", "w1.bin"));
      const e = await errorOf(downloadModel("clipkit/ext", { ...o, offline: true }));
      expect(isClipkitError(e, "MODEL_FILE_MISSING")).toBe(true);
    } finally {
      await local.close();
    }
  });

  it("refuses ids and revisions that could leave the cache", async () => {
    const cache = await freshCache();
    for (const id of ["../etc", "a/..", "a--b/c", "a/b/c", "/abs/x"]) {
      expect(isClipkitError(await errorOf(downloadModel(id, opts(cache))), "INVALID_ARGUMENT")).toBe(true);
    }
    for (const rev of ["../../x", "a/../../b", "..", "/etc"]) {
      const e = await errorOf(downloadModel("clipkit/tiny-clip", opts(cache, { revision: rev })));
      expect(isClipkitError(e, "INVALID_ARGUMENT")).toBe(true);
    }
  });
});
