import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ImageInput, PgVectorRetriever } from "@clipkit/backend-node";
import type { LoadedClipModel } from "@clipkit/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgliteServer, servePglite } from "../../../backend-node/src/retrieval/testing.js";
import { startServer } from "../serve/server.js";
import { TEST_SERVER } from "../serve/testing.js";
import { openModel } from "../util/model.js";
import { cliProcessArgs, runCliCaptured as run, testPng } from "../util/test-io.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = resolve(here, "../../../..");
const FILES = 40;

let dir: string;
let postgres: PgliteServer;
let url: string;
let probe: pg.Client;
let model: LoadedClipModel<ImageInput>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-pg-workers-"));
  await mkdir(join(dir, "photos", "b"), { recursive: true });
  for (let i = 0; i < FILES; i++)
    await writeFile(
      join(dir, "photos", i % 2 ? "b" : "", `p${String(i).padStart(2, "0")}.png`),
      testPng(i + 1),
    );
  // PGlite is one session; pglite-socket multiplexes connections onto it (one transaction at a time).
  postgres = await servePglite({ maxConnections: 32 });
  url = postgres.url;
  probe = new pg.Client({ connectionString: url });
  await probe.connect();
  model = await openModel({});
}, 60_000);
afterAll(async () => {
  await model?.release();
  await probe?.end();
  await postgres?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Worker {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
}

/** One `clipkit index … --to` process (the real CLI entry, from source). */
function startWorker(table: string, extra: string[] = []): Worker {
  const child = spawn(
    process.execPath,
    cliProcessArgs([
      "index",
      join(dir, "photos"),
      "--to",
      url,
      "--table",
      table,
      "--batch-size",
      "4",
      "--threads",
      "1",
      "--json",
      ...extra,
    ]),
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => {
    stdout += String(d);
  });
  child.stderr!.on("data", (d) => {
    stderr += String(d);
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (ok) =>
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        ok({ code, signal, stdout, stderr });
      }),
  );
  return { child, done };
}

/** Every file has exactly one row, with its own content hash and its own embedding. */
async function expectEveryFileOnce(table: string): Promise<void> {
  const rows = (
    await probe.query<{ id: string; sha256: string; metadata: { path: string } }>(
      `SELECT id, sha256, metadata FROM ${table} ORDER BY id`,
    )
  ).rows;
  expect(rows).toHaveLength(FILES);
  const store = await PgVectorRetriever.open(probe, model.space, { table });
  for (const row of rows) {
    const bytes = await readFile(join(dir, "photos", row.id));
    expect(row.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(row.metadata.path).toBe(row.id);
    // Its own embedding: searching with it finds this row first at cosine ≈ 1.
    const [hits] = await store.search(await model.embedImages([bytes]), { k: 1 });
    expect(hits![0]).toMatchObject({ id: row.id, score: expect.closeTo(1, 4) });
  }
  const jobs = (
    await probe.query<{ state: string; n: string }>(
      `SELECT state, count(*) AS n FROM ${table}_jobs GROUP BY state`,
    )
  ).rows;
  expect(jobs.map((j) => [j.state, Number(j.n)])).toEqual([["done", FILES]]);
}

describe("clipkit index --to postgres:// with several worker processes (one PGlite over pglite-socket)", () => {
  it("three processes embed every file exactly once; a re-run does nothing", async () => {
    const workers = [0, 1, 2].map(() => startWorker("together"));
    const results = await Promise.all(workers.map((w) => w.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const reports = results.map((r) => JSON.parse(r.stdout) as { embedded: number; claims: number });
    // Exactly once: the embeddings committed by all processes add up to the file count, and no job
    // was ever claimed twice.
    expect(reports.reduce((s, r) => s + r.embedded, 0)).toBe(FILES);
    const attempts = await probe.query<{ n: string }>("SELECT sum(attempts) AS n FROM together_jobs");
    expect(Number(attempts.rows[0]!.n)).toBe(FILES);
    await expectEveryFileOnce("together");
    // Idempotent: the same command again (in-process this time) queues and embeds nothing.
    const again = await run(["index", join(dir, "photos"), "--to", url, "--table", "together", "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ queued: 0, embedded: 0, size: FILES });
  }, 120_000);

  it("a worker SIGKILLed mid-batch loses nothing: its claim expires and the others finish it", async () => {
    // A short lease so the victim's claims expire soon; --max-attempts leaves room for a live
    // worker whose renewals were late on a loaded machine (its file is then claimed again too).
    const workers = [0, 1, 2].map(() => startWorker("killed", ["--lease", "2", "--max-attempts", "10"]));
    const byPid = new Map(workers.map((w) => [w.child.pid!, w]));
    let victim: Worker | undefined;
    let held: string[] = [];
    // Poll the job table for a process holding a claim, and kill it while it holds it.
    for (let tries = 0; !victim && tries < 2000; tries++) {
      const running = await probe
        .query<{ worker: string; path: string }>(
          "SELECT worker, path FROM killed_jobs WHERE state = 'running'",
        )
        .catch(() => ({ rows: [] as { worker: string; path: string }[] }));
      const first = running.rows[0];
      const pid = first ? Number(first.worker.split(":")[1]) : Number.NaN;
      if (byPid.has(pid)) {
        victim = byPid.get(pid)!;
        victim.child.kill("SIGKILL");
        held = running.rows.filter((r) => r.worker === first!.worker).map((r) => r.path);
      } else await new Promise((r) => setTimeout(r, 10));
    }
    expect(victim).toBeDefined();
    const results = await Promise.all(workers.map((w) => w.done));
    expect((await victim!.done).signal).toBe("SIGKILL");
    const survivors = results.filter((_, i) => workers[i] !== victim);
    for (const r of survivors) expect(r.code, r.stderr).toBe(0);
    await expectEveryFileOnce("killed");
    // What the victim held when it died was claimed again by a survivor (attempts 2) unless it had
    // just committed; either way its rows are there exactly once (checked above).
    const again = await probe.query<{ path: string; attempts: number; worker: string }>(
      "SELECT path, attempts, worker FROM killed_jobs WHERE path = ANY($1::text[])",
      [held],
    );
    const reclaimed = again.rows.filter((r) => r.attempts >= 2);
    for (const r of reclaimed) expect(Number(r.worker.split(":")[1])).not.toBe(victim!.child.pid);
    // Every claim after the first of a file is a reclaim some worker reported: the survivors'
    // reports cover at least the victim's files, and never more claims than the table counts
    // (on a loaded machine a live worker's late renewal can add reclaims of its own files).
    const events = (
      await probe.query<{ n: string }>("SELECT coalesce(sum(attempts - 1), 0) AS n FROM killed_jobs")
    ).rows[0]!;
    const reports = survivors.map((r) => JSON.parse(r.stdout) as { reclaimed: number });
    const reported = reports.reduce((s, r) => s + r.reclaimed, 0);
    expect(reported).toBeGreaterThanOrEqual(reclaimed.length);
    expect(reported).toBeLessThanOrEqual(Number(events.n));
  }, 120_000);

  it("clipkit serve --index postgres:// searches the table live and serves its files under --root", async () => {
    const photos = join(dir, "photos");
    const built = await run(["index", photos, "--to", url, "--table", "served", "--ann", "--json"]);
    expect(built.code, built.stderr).toBe(0);
    const server = await startServer({
      ...TEST_SERVER,
      indexPath: url,
      postgres: { table: "served", root: photos },
    });
    try {
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as {
        index: { kind: string; size: number };
      };
      expect(health.index).toMatchObject({ kind: "pgvector", size: FILES });
      const image = await readFile(join(photos, "b", "p07.png"));
      const form = new FormData();
      form.append("image", new Blob([image]), "q.png");
      form.append("k", "3");
      const res = await fetch(`${server.url}/search`, { method: "POST", body: form });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        results: { id: string; score: number; metadata: { path: string } }[];
      };
      expect(body.results).toHaveLength(3);
      expect(body.results[0]).toMatchObject({ id: "b/p07.png", metadata: { path: "b/p07.png" } });
      const file = await fetch(`${server.url}/file/${encodeURIComponent("b/p07.png")}`);
      expect(file.status).toBe(200);
      expect(Buffer.from(await file.arrayBuffer()).equals(image)).toBe(true);
      expect((await fetch(`${server.url}/file/${encodeURIComponent("../etc/passwd")}`)).status).toBe(404);
    } finally {
      await server.close();
    }
    const missing = await run(["serve", "--index", url, "--table", "nope", "--port", "0"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no clipkit index table nope");
  }, 90_000);

  it("refuses bad URLs and flag mixes with usage errors, and another model with SPACE_MISMATCH", async () => {
    const photos = join(dir, "photos");
    const bad = await run(["index", photos, "--to", "mysql://x"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--to must be a postgres:// URL");
    const both = await run(["index", photos, "--to", url, "--out", join(dir, "x.ckidx")]);
    expect(both.stderr).toContain("either --out FILE or --to");
    const stray = await run(["index", photos, "--out", join(dir, "x.ckidx"), "--workers", "2"]);
    expect(stray.stderr).toContain("--workers needs --to");
    const other = await run([
      "index",
      photos,
      "--to",
      url,
      "--table",
      "together",
      "--model",
      join(repoRoot, "fixtures/models/tiny-clip"),
    ]);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain("SPACE_MISMATCH");
  }, 60_000);
});
