import { copyFile, lstat, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isClipkitError, parseScoringRecord } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { MODELS_DIR } from "../model/fixtures.js";
import { loadClipModel } from "../model/load.js";
import type { HubOptions } from "./options.js";
import { downloadModel } from "./resolve.js";
import { COMMITS, FAKE_REPOS } from "./testing/fixtures.js";
import { fakeCommit } from "./testing/hub-server.js";
import { readRepoFiles } from "./testing/repo-files.js";
import { syntheticCombinedGraph } from "./testing/synthetic-graph.js";
import { useHubServer } from "./testing/test-bed.js";

const OPENCLIP_COMMIT = fakeCommit("tiny-openclip");
const BIG_COMMIT = fakeCommit("big-combined");
/** 24 weights of 1 MiB before the scale, like a real export's initializer list (25 MB in all). */
const BIG = { count: 24, elements: 262_144, scale: 100.5 };
const RECORD = "onnx/model.onnx.clipkit-scoring.json";
let bigDir: string;
const bed = useHubServer(async (freshCache) => {
  // tiny-clip's towers with a combined graph of realistic proportions (weights ≫ structure).
  bigDir = await freshCache();
  await mkdir(join(bigDir, "onnx"));
  for (const f of [
    "config.json",
    "onnx/text_model.onnx",
    "onnx/vision_model.onnx",
    "onnx/vision_model.onnx_data",
  ])
    await copyFile(join(MODELS_DIR, "tiny-clip", f), join(bigDir, f));
  await writeFile(
    join(bigDir, "onnx/model.onnx"),
    syntheticCombinedGraph(BIG.count, BIG.elements, BIG.scale),
  );
  return {
    ...FAKE_REPOS,
    "clipkit/big-combined": { refs: { main: BIG_COMMIT }, commits: { [BIG_COMMIT]: bigDir } },
    // A split export whose combined graph computes its logit scale (only running it calibrates).
    "clipkit/tiny-openclip": {
      refs: { main: OPENCLIP_COMMIT },
      commits: { [OPENCLIP_COMMIT]: `${MODELS_DIR}tiny-openclip` },
    },
  };
}, "clipkit-hubscan-");
const { freshCache, hub } = bed;
const sha = (dir: string, path: string) => readRepoFiles(dir).get(path)!.sha256;
/** What the server sent for one repo file since request `from`: its LFS blob and its resolve URL. */
function served(from: number, blob: string, path: string) {
  const hits = bed.server.requests
    .slice(from)
    .filter(
      (r) => r.path === `/lfs/${blob}` || (r.path.includes("/resolve/") && r.path.endsWith(`/${path}`)),
    );
  const bodies = hits.filter((r) => r.path.startsWith("/lfs/") && r.range !== "bytes=0-0");
  return {
    bodies: bodies.length,
    bytes: bodies.reduce((n, r) => n + r.bytes, 0),
    unranged: bodies.filter((r) => r.range === undefined || r.status !== 206).length,
    any: hits.length,
  };
}
const snapshotOf = (cache: string, repo: string, commit: string) =>
  join(cache, `models--${repo.replace("/", "--")}`, "snapshots", commit);

async function scoringOf(source: string, hubOptions?: HubOptions) {
  const model = await loadClipModel(source, hubOptions ? { hub: hubOptions } : {});
  try {
    return { scoring: model.scoring, source: model.scoringSource, space: model.space.id };
  } finally {
    await model.release();
  }
}

describe("a split load reads the combined graph's logit constants over Range requests", () => {
  it.each([
    ["clipkit/tiny-clip", "main", "tiny-clip", COMMITS.clip],
    ["clipkit/tiny-clip", "v1", "tiny-siglip", COMMITS.siglip],
  ])("%s@%s: no download of model.onnx, the scoring of the full folder", async (repo, rev, dir, commit) => {
    const folder = `${MODELS_DIR}${dir}`;
    const blob = sha(folder, "onnx/model.onnx");
    const size = (await readFile(join(folder, "onnx/model.onnx"))).length;
    const cache = await freshCache();
    const n = bed.server.requests.length;
    const fromHub = await scoringOf(`${repo}@${rev}`, hub(cache));
    const s = served(n, blob, "onnx/model.onnx");
    expect(s.bodies).toBeGreaterThan(0);
    expect(s.unranged).toBe(0);
    // Tiny graphs are mostly structure (small tensors), so the scan reads much of them; never all.
    expect(s.bytes).toBeLessThan(size);
    const snap = snapshotOf(cache, repo, commit);
    expect(await readdir(join(snap, "onnx"))).not.toContain("model.onnx");
    const record = parseScoringRecord(await readFile(join(snap, RECORD), "utf8"), {
      graph: "onnx/model.onnx",
      commit,
    });
    expect(record).toMatchObject({ graph: "onnx/model.onnx", commit, etag: blob, size });
    expect((await lstat(join(snap, RECORD))).isFile()).toBe(true);
    const fromDir = await scoringOf(folder);
    expect(fromHub.scoring).toEqual(fromDir.scoring);
    expect(fromHub.source).toBe("graph");
    expect(fromDir.source).toBe("graph");
    expect(fromHub.space).toBe(fromDir.space);

    // Offline, from the cache: the record is found and nothing is requested.
    const m = bed.server.requests.length;
    const offline = await scoringOf(`${repo}@${rev}`, hub(cache, { offline: true }));
    expect(bed.server.requests.length).toBe(m);
    expect(offline.scoring).toEqual(fromDir.scoring);
    expect(offline.source).toBe("graph");
  });

  it("a graph of real proportions costs about one small request per weight", async () => {
    const size = (await readFile(join(bigDir, "onnx/model.onnx"))).length;
    const cache = await freshCache();
    const n = bed.server.requests.length;
    const model = await downloadModel("clipkit/big-combined", { ...hub(cache), kind: "clip" });
    expect(model.files).toContain(RECORD);
    expect(model.files).not.toContain("onnx/model.onnx");
    const s = served(n, sha(bigDir, "onnx/model.onnx"), "onnx/model.onnx");
    expect(s.unranged).toBe(0);
    // One read per weight (its header) plus the nodes: 64 KiB windows, not the 25 MB.
    expect(s.bodies).toBeLessThanOrEqual(BIG.count + 4);
    expect(s.bytes).toBeLessThan(size / 8);
    const record = parseScoringRecord(await readFile(join(model.dir, RECORD), "utf8"), {
      graph: "onnx/model.onnx",
      commit: BIG_COMMIT,
    });
    expect(record?.scale).toBe(BIG.scale);
    expect(record?.bias).toBeUndefined();
  });

  it("a server that ignores Range: the graph is downloaded as before, same scoring", async () => {
    const folder = `${MODELS_DIR}tiny-clip`;
    const blob = sha(folder, "onnx/model.onnx");
    const size = (await readFile(join(folder, "onnx/model.onnx"))).length;
    const cache = await freshCache();
    bed.server.fault(`/lfs/${blob}`, "no-range", 1);
    const n = bed.server.requests.length;
    const fromHub = await scoringOf("clipkit/tiny-clip", hub(cache));
    expect(bed.server.faultsLeft).toBe(0);
    const s = served(n, blob, "onnx/model.onnx");
    // The ranged read answered whole (cancelled), then the download.
    expect(s.unranged).toBe(2);
    const snap = snapshotOf(cache, "clipkit/tiny-clip", COMMITS.clip);
    expect((await readFile(join(snap, "onnx/model.onnx"))).length).toBe(size);
    expect(await readdir(join(snap, "onnx"))).not.toContain("model.onnx.clipkit-scoring.json");
    expect(fromHub.scoring).toEqual((await scoringOf(folder)).scoring);
    expect(fromHub.source).toBe("graph");
  });

  it("a graph that must run to calibrate is downloaded, same scoring as the folder", async () => {
    const folder = `${MODELS_DIR}tiny-openclip`;
    const cache = await freshCache();
    const n = bed.server.requests.length;
    const fromHub = await scoringOf("clipkit/tiny-openclip", hub(cache));
    const s = served(n, sha(folder, "onnx/model.onnx"), "onnx/model.onnx");
    expect(s.unranged).toBe(1);
    const snap = snapshotOf(cache, "clipkit/tiny-openclip", OPENCLIP_COMMIT);
    expect((await readdir(join(snap, "onnx"))).sort()).toEqual([
      "model.onnx",
      "text_model.onnx",
      "vision_model.onnx",
    ]);
    const fromDir = await scoringOf(folder);
    expect(fromHub.scoring).toEqual(fromDir.scoring);
    expect(fromHub.source).toBe("graph");
  });

  it("calibrateScoring: false requests nothing of model.onnx", async () => {
    const cache = await freshCache();
    const blob = sha(`${MODELS_DIR}tiny-clip`, "onnx/model.onnx");
    const n = bed.server.requests.length;
    const model = await loadClipModel("clipkit/tiny-clip", { hub: hub(cache), calibrateScoring: false });
    try {
      expect(model.scoringSource).toBe("config");
    } finally {
      await model.release();
    }
    expect(served(n, blob, "onnx/model.onnx").any).toBe(0);
    const snap = snapshotOf(cache, "clipkit/tiny-clip", COMMITS.clip);
    expect(await readdir(join(snap, "onnx"))).not.toContain("model.onnx.clipkit-scoring.json");
  });

  it("a record of another commit or a corrupt one is not trusted: offline fails, online reads again", async () => {
    const cache = await freshCache();
    await downloadModel("clipkit/tiny-clip", { ...hub(cache), kind: "clip" });
    const path = join(snapshotOf(cache, "clipkit/tiny-clip", COMMITS.clip), RECORD);
    const good = await readFile(path, "utf8");
    for (const bad of [good.replace(COMMITS.clip, COMMITS.siglip), good.slice(0, 20)]) {
      await writeFile(path, bad);
      const e = await downloadModel("clipkit/tiny-clip", {
        ...hub(cache, { offline: true }),
        kind: "clip",
      }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isClipkitError(e, "MODEL_FILE_MISSING")).toBe(true);
      const again = await downloadModel("clipkit/tiny-clip", { ...hub(cache), kind: "clip" });
      expect(again.fromCache).toBe(false);
      expect(again.files).toContain(RECORD);
      expect(await readFile(path, "utf8")).toBe(good);
    }
  });
});
