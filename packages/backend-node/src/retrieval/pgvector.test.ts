import { createEmbeddings, FlatIndex, isClipkitError, syntheticEmbeddings } from "@clipkit/core";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgVectorRetriever } from "./pgvector.js";
import type { SqlClient } from "./sql.js";
import { servePglite } from "./testing.js";

// Small on purpose: CI has two cores and PGlite is single-threaded WASM.
const gallery = syntheticEmbeddings({ count: 300, dim: 32, seed: 21 });
const queries = syntheticEmbeddings({ count: 6, dim: 32, seed: 21, pointSeed: 5 });
const ids = Array.from({ length: gallery.count }, (_, i) => `p${i}`);
const meta = ids.map((_, i) => ({ tag: i % 3 === 0 ? "red" : "blue", n: i }));
const exact = new FlatIndex(gallery.space);
exact.add(ids, gallery, meta);

const rejectsWith = async (p: Promise<unknown>, code: string) =>
  expect(p).rejects.toSatisfy((e) => isClipkitError(e) && e.code === code);

/** The same checks against any client: PGlite in-process, or `pg` over a socket. */
function suite(name: string, connect: () => Promise<{ client: SqlClient; close: () => Promise<void> }>) {
  describe(name, () => {
    let client: SqlClient;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ client, close } = await connect());
    });
    afterAll(async () => {
      await close();
    });

    it("exact scan returns the flat index's results (ids, cosine scores, metadata, filters)", async () => {
      const store = await PgVectorRetriever.open(client, gallery.space, {
        table: "exact_items",
        batchSize: 64,
      });
      await store.add(ids, gallery, meta);
      expect(await store.size()).toBe(300);
      for (const filter of [undefined, { tag: "red" }]) {
        const got = await store.search(queries, { k: 7, filter });
        const want = exact.search(queries, { k: 7, filter });
        expect(got.map((h) => h.map((x) => x.id))).toEqual(want.map((h) => h.map((x) => x.id)));
        expect(got.map((h) => h.map((x) => x.score))).toEqual(
          want.map((h) => h.map((x) => expect.closeTo(x.score, 5))),
        );
        expect(got[0]![0]!.metadata).toEqual(want[0]![0]!.metadata);
      }
      expect(await store.remove(["p1", "p2", "nope"])).toBe(2);
      expect(await store.has("p1")).toBe(false);
      expect(await store.size()).toBe(298);
    });

    it("concurrent adds on one client each commit or fail alone (no acknowledged row is lost)", async () => {
      const store = await PgVectorRetriever.open(client, gallery.space, { table: "concurrent_items" });
      const first = ids.slice(0, 100);
      const firstRows = createEmbeddings(gallery.data.slice(0, 100 * 32), 100, gallery.space);
      await store.add(["taken"], createEmbeddings(gallery.data.slice(0, 32), 1, gallery.space));
      // #2 reuses an id that is already stored, so it fails; #3 is fine. Before the per-client
      // queue, #2's ROLLBACK undid #1's rows although #1 had resolved.
      const results = await Promise.allSettled([
        store.add(first, firstRows),
        store.add(["taken"], createEmbeddings(gallery.data.slice(32, 64), 1, gallery.space)),
        store.add(["late"], createEmbeddings(gallery.data.slice(64, 96), 1, gallery.space)),
        store.search(queries, { k: 3 }),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
      expect(isClipkitError((results[1] as PromiseRejectedResult).reason, "DUPLICATE_ID")).toBe(true);
      expect(await store.size()).toBe(102);
      for (const id of [...first, "late", "taken"]) expect(await store.has(id)).toBe(true);
    });

    it("HNSW (vector_cosine_ops, ef_search) keeps recall@10 ≥ 0.9", async () => {
      const store = await PgVectorRetriever.open(client, gallery.space, {
        table: "hnsw_items",
        hnsw: { m: 16, efConstruction: 64, efSearch: 80 },
      });
      await store.add(ids, gallery);
      const got = await store.search(queries, { k: 10 });
      const want = exact.search(queries, { k: 10 });
      let hit = 0;
      got.forEach((h, q) => {
        const w = new Set(want[q]!.map((x) => x.id));
        hit += h.filter((x) => w.has(x.id)).length;
      });
      expect(hit / 60).toBeGreaterThanOrEqual(0.9);
    });

    it("rejects duplicates atomically, upserts on request, and refuses bad names, NaN and other spaces", async () => {
      const space = { id: "tiny", dim: 2, normalized: true };
      const e = (rows: number[][]) => createEmbeddings(Float32Array.from(rows.flat()), rows.length, space);
      const store = await PgVectorRetriever.open(client, space, { table: "tiny" });
      await store.add(["a"], e([[1, 0]]));
      await rejectsWith(
        store.add(
          ["b", "a"],
          e([
            [0, 1],
            [0, 1],
          ]),
        ),
        "DUPLICATE_ID",
      );
      expect(await store.has("b")).toBe(false);
      await store.add(
        ["a", "b"],
        e([
          [0, 1],
          [1, 0],
        ]),
        [{ v: 1 }, undefined],
        { upsert: true },
      );
      const [hits] = await store.search(e([[0, 1]]), { k: 1 });
      expect(hits).toEqual([{ id: "a", score: expect.closeTo(1, 6), metadata: { v: 1 } }]);
      await rejectsWith(store.add(["c"], e([[Number.NaN, 1]])), "NON_FINITE");
      await rejectsWith(
        PgVectorRetriever.open(client, { ...space, id: "other" }, { table: "tiny" }),
        "SPACE_MISMATCH",
      );
      await rejectsWith(
        PgVectorRetriever.open(client, space, { table: 'x"; DROP TABLE tiny; --' }),
        "INVALID_ARGUMENT",
      );
      await rejectsWith(
        PgVectorRetriever.open(client, space, { table: "ok", hnsw: { m: 1 } }),
        "INVALID_ARGUMENT",
      );
      await rejectsWith(
        store.search(e([[1, 0]]), { k: 1, filter: { tag: {} as never } }),
        "INVALID_ARGUMENT",
      );
    });
  });
}

suite("PgVectorRetriever on PGlite (in-process)", async () => {
  const db = await PGlite.create({ extensions: { vector } });
  return { client: db, close: () => db.close() };
});

suite("PgVectorRetriever over the wire (pg → pglite-socket on 127.0.0.1)", async () => {
  const postgres = await servePglite();
  const client = new pg.Client({
    host: "127.0.0.1",
    port: postgres.port,
    user: "postgres",
    database: "postgres",
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  return {
    client,
    close: async () => {
      await client.end();
      await postgres.close();
    },
  };
});
