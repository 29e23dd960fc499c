import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isClipkitError } from "@clipkit/core";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadClipModel } from "../model/index.js";
import { indexFolderToPostgres } from "./pg-gallery.js";
import { PgJobQueue } from "./pg-jobs.js";
import { PgVectorRetriever } from "./pgvector.js";

const FIXTURES = new URL("../../../../fixtures/models/", import.meta.url).pathname;
let dir: string;
let db: PGlite;
let model: Awaited<ReturnType<typeof loadClipModel>>;

/** A 24×24 PNG of one colour with a square of another: distinct images, a few hundred bytes each. */
const png = (i: number) =>
  sharp({
    create: {
      width: 24,
      height: 24,
      channels: 3,
      background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 },
    },
  })
    .composite([
      {
        input: {
          create: { width: 8, height: 8, channels: 3, background: { r: 255 - ((i * 37) % 256), g: 0, b: 0 } },
        },
        left: (i * 3) % 16,
        top: (i * 5) % 16,
      },
    ])
    .png()
    .toBuffer();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-pg-gallery-"));
  await mkdir(join(dir, "sub"));
  for (let i = 0; i < 12; i++) await writeFile(join(dir, i < 6 ? "" : "sub", `img${i}.png`), await png(i));
  await writeFile(join(dir, "broken.png"), "not a png");
  db = await PGlite.create({ extensions: { vector } });
  model = await loadClipModel(join(FIXTURES, "tiny-clip"));
});
afterAll(async () => {
  await model?.release();
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

// One in-process PGlite: every "connection" is the same session, so the claim loops here run one
// after another; the multi-process behaviour is tested over pglite-socket in packages/cli.
const connect = async () => db;

describe("indexFolderToPostgres (PGlite in-process)", () => {
  it("embeds every file once, records a corrupt one as failed, and is idempotent on re-runs", async () => {
    const first = await indexFolderToPostgres(connect, model, dir, {
      batchSize: 5,
      metadata: { source: "t" },
    });
    expect(first).toMatchObject({ queued: 13, embedded: 12, size: 12, removed: 0 });
    expect(first.failed.map((f) => [f.path, f.code])).toEqual([["broken.png", "IMAGE_DECODE_FAILED"]]);
    expect(first.jobs).toEqual({ pending: 0, running: 0, done: 12, failed: 1 });
    const row = await db.query<{ metadata: Record<string, unknown>; size: string; sha256: string }>(
      "SELECT metadata, size, sha256 FROM clipkit_images WHERE id = 'sub/img7.png'",
    );
    expect(row.rows[0]!.metadata).toMatchObject({ path: "sub/img7.png", source: "t" });
    expect(row.rows[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);

    const again = await indexFolderToPostgres(connect, model, dir, { batchSize: 5 });
    expect(again).toMatchObject({ queued: 0, embedded: 0, claims: 0, size: 12 });
    // The corrupt file stays failed until it changes or --retry-failed.
    const retry = await indexFolderToPostgres(connect, model, dir, { retryFailed: true });
    expect(retry).toMatchObject({ queued: 1, embedded: 0 });
    expect(retry.failed).toHaveLength(1);
  });

  it("re-embeds a changed file, keeps a touched one, and drops rows of deleted files", async () => {
    const before = await db.query<{ embedding: string }>(
      "SELECT embedding::text FROM clipkit_images WHERE id = 'img1.png'",
    );
    await writeFile(join(dir, "img1.png"), await png(99));
    const later = new Date(Date.now() + 5000);
    await utimes(join(dir, "img2.png"), later, later);
    await rm(join(dir, "img3.png"));
    const r = await indexFolderToPostgres(connect, model, dir, {});
    expect(r).toMatchObject({ queued: 2, embedded: 1, unchanged: 1, removed: 1, size: 11 });
    const after = await db.query<{ embedding: string }>(
      "SELECT embedding::text FROM clipkit_images WHERE id = 'img1.png'",
    );
    expect(after.rows[0]!.embedding).not.toBe(before.rows[0]!.embedding);
    // The rows are searchable through the retriever, and the image itself ranks first.
    const store = await PgVectorRetriever.open(db, model.space, { table: "clipkit_images" });
    const q = await model.embedImages([await png(99)]);
    const [hits] = await store.search(q, { k: 1 });
    expect(hits![0]!.id).toBe("img1.png");
  });

  it("refuses a model of another embedding space (SPACE_MISMATCH) before touching anything", async () => {
    const other = await loadClipModel(join(FIXTURES, "tiny-siglip"));
    try {
      await expect(indexFolderToPostgres(connect, other, dir, {})).rejects.toSatisfy((e) =>
        isClipkitError(e, "SPACE_MISMATCH"),
      );
    } finally {
      await other.release();
    }
  });

  it("queue: a lease that expires is claimed again, the old claim commits nothing, poison jobs fail", async () => {
    const q = new PgJobQueue(db, "lease_jobs");
    await q.create();
    await q.enqueue([
      { path: "a", size: 1, mtimeMs: 1 },
      { path: "b", size: 1, mtimeMs: 1 },
    ]);
    // Enqueue is idempotent: the same files again queue nothing.
    expect(await q.enqueue([{ path: "a", size: 1, mtimeMs: 1 }])).toEqual([]);
    const opts = { limit: 1, leaseSeconds: 0.2, maxAttempts: 2 };
    const one = await q.claim("c1", "w1", opts);
    const two = await q.claim("c2", "w2", opts);
    expect([one[0]!.path, two[0]!.path]).toEqual(["a", "b"]);
    expect(await q.claim("c3", "w3", opts)).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    const again = await q.claim("c4", "w4", { ...opts, limit: 5 });
    expect(again.map((j) => [j.path, j.attempts])).toEqual([
      ["a", 2],
      ["b", 2],
    ]);
    expect(await q.markDone("c1", ["a"])).toEqual(new Set());
    expect(await q.markDone("c4", ["a"])).toEqual(new Set(["a"]));
    await new Promise((r) => setTimeout(r, 300));
    expect(await q.claim("c5", "w5", opts)).toEqual([]);
    expect(await q.counts()).toEqual({ pending: 0, running: 0, done: 1, failed: 1 });
    expect((await q.failures())[0]).toMatchObject({ path: "b", code: "WORKER_LOST" });
  });
});
