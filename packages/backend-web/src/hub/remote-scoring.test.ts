import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadClipModel as loadNodeClipModel } from "@clipkit/backend-node";
import { parseScoringRecord, resolveClipLayout } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { COMMITS, FAKE_REPOS } from "../../../backend-node/src/hub/testing/fixtures.js";
import { useHubServer } from "../../../backend-node/src/hub/testing/test-bed.js";
import { webHubFiles } from "./hub-files.js";
import { memoryCaches } from "./testing/memory-caches.js";

const MODELS = join(import.meta.dirname, "../../../../fixtures/models");
const GRAPH = "onnx/model.onnx";
const RECORD = `${GRAPH}.clipkit-scoring.json`;
const bed = useHubServer(() => ({
  ...FAKE_REPOS,
  // Its combined graph computes the logit scale: only running it calibrates.
  "clipkit/tiny-openclip": {
    refs: { main: COMMITS.clip.replace(/^./, "f") },
    commits: { [COMMITS.clip.replace(/^./, "f")]: join(MODELS, "tiny-openclip") },
  },
}));

/** The server's answers to requests for `path` since request `from`. */
function served(from: number, path: string) {
  const hits = bed.server.requests
    .slice(from)
    .filter((r) => r.method === "GET" && r.status < 300 && r.path.endsWith(`/${path}`));
  return {
    ranged: hits.filter((r) => r.range !== undefined).length,
    unranged: hits.filter((r) => r.range === undefined).length,
    bytes: hits.reduce((n, r) => n + r.bytes, 0),
  };
}
// LFS blobs are served by content hash: count them through the resolve redirect's target instead.
function servedBlobs(from: number) {
  const hits = bed.server.requests.slice(from).filter((r) => r.path.includes("/lfs/") && r.status < 300);
  return { ranged: hits.filter((r) => r.range).length, unranged: hits.filter((r) => !r.range).length };
}
const options = (caches: ReturnType<typeof memoryCaches>, extra: object = {}) => ({
  endpoint: bed.server.url,
  caches,
  kind: "clip" as const,
  ...extra,
});

describe("the browser reads a split export's logit constants over Range", () => {
  it.each([
    ["main", "tiny-clip", COMMITS.clip],
    ["v1", "tiny-siglip", COMMITS.siglip],
  ])(
    "tiny-clip@%s: the record replaces model.onnx, same scoring as the folder; offline from the cache",
    async (rev, dir, commit) => {
      const caches = memoryCaches();
      const n = bed.server.requests.length;
      const files = await webHubFiles(`clipkit/tiny-clip@${rev}`, options(caches));
      expect(files.selected).toContain(RECORD);
      expect(files.selected).not.toContain(GRAPH);
      expect(await files.exists(GRAPH)).toBe(false);
      const size = readFileSync(join(MODELS, dir, GRAPH)).length;
      const blobs = servedBlobs(n);
      expect(blobs.unranged).toBe(0);
      expect(blobs.ranged).toBeGreaterThan(0);
      expect(bed.server.requests.slice(n).reduce((b, r) => b + (r.range ? r.bytes : 0), 0)).toBeLessThan(
        size,
      );
      const record = parseScoringRecord(await files.readText(RECORD), { graph: GRAPH, commit });
      expect(record?.size).toBe(size);
      const layout = await resolveClipLayout(files);
      expect(layout.kind).toBe("split");
      expect(layout.combined).toBeUndefined();
      const local = await loadNodeClipModel(join(MODELS, dir));
      try {
        expect(record?.scale).toBeCloseTo(local.scoring.logitScale, 4);
        if (local.scoring.kind === "sigmoid") expect(record?.bias).toBeCloseTo(local.scoring.logitBias, 4);
        else expect(record?.bias).toBeUndefined();
      } finally {
        await local.release();
      }
      expect(caches.urls().some((u) => u.endsWith(`/${commit}/${RECORD}`))).toBe(true);

      const m = bed.server.requests.length;
      const offline = await webHubFiles(`clipkit/tiny-clip@${rev}`, options(caches, { offline: true }));
      expect(bed.server.requests.length).toBe(m);
      expect([...offline.selected].sort()).toEqual([...files.selected].sort());
      expect(await offline.readText(RECORD)).toBe(await files.readText(RECORD));
    },
  );

  it("a server that ignores Range: the graph is selected for download, no record", async () => {
    const caches = memoryCaches();
    bed.server.fault("/lfs/", "no-range", 1);
    const files = await webHubFiles("clipkit/tiny-clip", options(caches));
    expect(bed.server.faultsLeft).toBe(0);
    expect(files.selected).toContain(GRAPH);
    expect(files.selected).not.toContain(RECORD);
    expect(caches.urls().some((u) => u.endsWith(RECORD))).toBe(false);
  });

  it("a graph whose constants need running it, or calibrateScoring: false: nothing read over Range", async () => {
    const caches = memoryCaches();
    const n = bed.server.requests.length;
    const openClip = await webHubFiles("clipkit/tiny-openclip", options(caches));
    expect(openClip.selected).toContain(GRAPH);
    expect(openClip.selected).not.toContain(RECORD);
    const off = await webHubFiles("clipkit/tiny-clip", options(caches, { calibrateScoring: false }));
    expect(off.selected).not.toContain(GRAPH);
    expect(off.selected).not.toContain(RECORD);
    expect(served(n, RECORD).bytes).toBe(0);
  });
});
