import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMITS, FAKE_REPOS } from "../../../backend-node/src/hub/testing/fixtures.js";
import { type HubServer, startHubServer } from "../../../backend-node/src/hub/testing/hub-server.js";
import { runCliCaptured as run } from "../util/test-io.js";

// The CLI against the local hub look-alike (never the real hub): HF_ENDPOINT points at it and
// HF_HUB_CACHE at a fresh folder, as on a fresh machine.
const FIXTURES = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
const IMAGE = join(FIXTURES, "images", "shapes.png");
const ENV = ["HF_ENDPOINT", "HF_HUB_CACHE", "HF_TOKEN", "HF_HUB_OFFLINE"] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
let server: HubServer;
let cache: string;

beforeAll(async () => {
  server = await startHubServer(FAKE_REPOS);
  cache = await mkdtemp(join(tmpdir(), "clipkit-cli-hub-"));
  process.env.HF_ENDPOINT = server.url;
  process.env.HF_HUB_CACHE = cache;
  process.env.HF_TOKEN = "";
  delete process.env.HF_HUB_OFFLINE;
});
afterAll(async () => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await server.close();
  await rm(cache, { recursive: true, force: true });
});

describe("hub ids in the CLI", () => {
  it("classify --model <id> downloads with progress lines, then runs offline from the cache", async () => {
    const args = ["classify", IMAGE, "--model", "clipkit/tiny-clip", "--labels", "cat,diagram", "--json"];
    const first = await run(args);
    expect(first.stderr).toMatch(/downloading clipkit\/tiny-clip: 7\/7 files, [\d.]+ MB of [\d.]+ MB/);
    expect(first.code).toBe(0);
    const n = server.requests.length;
    process.env.HF_HUB_OFFLINE = "1";
    try {
      const again = await run(args);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(first.stdout);
    } finally {
      delete process.env.HF_HUB_OFFLINE;
    }
    expect(server.requests.length).toBe(n);
  });

  it("draws a progress bar when stderr is a terminal", async () => {
    const r = await run(["download", "clipkit/emoji"], { stderrIsTTY: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/downloading clipkit\/emoji \[=+\] 100% \| 11.4 MB\/11.4 MB \| 7\/7 files/);
    expect(r.stdout).toContain(join(cache, "models--clipkit--emoji", "snapshots", COMMITS.emoji));
  });

  it("download takes --dtype and --revision and reports JSON", async () => {
    const r = await run(["download", "clipkit/tiny-clip", "--dtype", "fp16", "--revision", "v1", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { commit: string; files: string[] };
    expect(out.commit).toBe(COMMITS.siglip);
    expect(out.files.filter((f) => f.endsWith(".onnx")).every((f) => f.includes("_fp16"))).toBe(true);
  });

  it("caption --model <id> fetches the captioner's graphs", async () => {
    const r = await run(["caption", IMAGE, "--model", "clipkit/captioner", "--max-new-tokens", "3"]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`${IMAGE}\t`)).toBe(true);
  });

  it("cache ls lists what was downloaded; cache rm deletes it", async () => {
    const ls = await run(["cache", "ls", "--json"]);
    const listed = JSON.parse(ls.stdout) as {
      models: { repo: string; revisions: { commit: string; refs: string[] }[] }[];
    };
    const clip = listed.models.find((m) => m.repo === "clipkit/tiny-clip")!;
    expect(clip.revisions.map((r) => r.commit).sort()).toEqual([COMMITS.clip, COMMITS.siglip].sort());
    expect(clip.revisions.find((r) => r.commit === COMMITS.siglip)!.refs).toEqual(["v1"]);
    const removed = await run(["cache", "rm", "clipkit/tiny-clip"]);
    expect(removed.stdout).toMatch(/removed clipkit\/tiny-clip \([\d.]+ MB\)/);
    const after = JSON.parse((await run(["cache", "ls", "--json"])).stdout) as { models: { repo: string }[] };
    expect(after.models.map((m) => m.repo)).not.toContain("clipkit/tiny-clip");
    expect((await run(["cache", "rm", "../../etc"])).code).toBe(1);
  });

  it("explains gated repos and unknown ids", async () => {
    const gated = await run(["download", "clipkit/gated"]);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toMatch(/\[HUB_AUTH_REQUIRED\].*licence.*token/);
    const missing = await run(["classify", IMAGE, "--model", "clipkit/nope", "--labels", "a,b"]);
    expect(missing.stderr).toMatch(/\[NOT_FOUND\]/);
  });
});
