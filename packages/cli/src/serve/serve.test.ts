import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ImageInput } from "@clipkit/backend-node";
import type { LoadedClipModel } from "@clipkit/core";
import { emojiModelDir } from "@clipkit/model-emoji";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openModel } from "../util/model.js";
import { cliProcessArgs, runCliCaptured as run } from "../util/test-io.js";
import type { IndexHolder } from "./index-holder.js";
import { type RunningServer, startServer } from "./server.js";
import { TEST_SERVER } from "./testing.js";

const EMOJI = join(emojiModelDir, "..", "eval", "twemoji-sample", "images");

interface Hit {
  id: string;
  score: number;
  metadata: { path: string };
}
interface SearchBody {
  query: string;
  results: Hit[];
  index: { generation: number };
}
interface ErrorBody {
  error: { code: string; message: string };
}

let dir: string;
let photos: string;
let indexPath: string;
let server: RunningServer;
let reloads: number[] = [];
const logs: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-serve-"));
  photos = join(dir, "photos");
  await mkdir(photos);
  for (const n of ["avocado", "bear", "butterfly"])
    await copyFile(join(EMOJI, `${n}.png`), join(photos, `${n}.png`));
  indexPath = join(dir, "gallery.ckidx");
  const r = await run(["index", photos, "--out", indexPath, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  server = await startServer({
    ...TEST_SERVER,
    indexPath,
    log: (line) => logs.push(line),
    onReload: (g) => reloads.push(g),
  });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const post = (path: string, body: BodyInit, type: string, query = "") =>
  fetch(`${server.url}${path}${query}`, {
    method: "POST",
    body,
    headers: type ? { "content-type": type } : {},
  });
/** A multipart body; posted with type "" so fetch writes the content-type with its boundary. */
const form = (fields: Record<string, string | Blob>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
};
const postJson = (path: string, body: unknown) => post(path, JSON.stringify(body), "application/json");
const name = (h: Hit) => h.metadata.path.split("/").pop();

describe("clipkit serve: search", () => {
  it("binds to loopback and reports health", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const h = (await (await fetch(`${server.url}/healthz`)).json()) as {
      status: string;
      index: { size: number };
    };
    expect(h).toMatchObject({ status: "ok", index: { size: 3 } });
  });

  it("searches by text: every item, best first, with paths", async () => {
    const r = await postJson("/search", { text: "avocado", k: 10 });
    expect(r.status).toBe(200);
    const body = (await r.json()) as SearchBody;
    expect(body.query).toBe("text");
    expect(body.results).toHaveLength(3);
    const scores = body.results.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(name(body.results[0]!)).toBe("avocado.png");
    const k1 = (await (await postJson("/search", { text: "bear", k: 1 })).json()) as SearchBody;
    expect(k1.results.map(name)).toEqual(["bear.png"]);
  });

  it("searches by image bytes (raw and multipart): the image itself ranks first, cosine ≈ 1", async () => {
    const bytes = await readFile(join(photos, "butterfly.png"));
    const raw = (await (await post("/search", bytes, "image/png", "?k=2")).json()) as SearchBody;
    expect(raw.results).toHaveLength(2);
    expect(name(raw.results[0]!)).toBe("butterfly.png");
    expect(raw.results[0]!.score).toBeCloseTo(1, 4);
    const form = new FormData();
    form.set("image", new Blob([bytes], { type: "image/png" }), "q.png");
    form.set("k", "1");
    const multi = (await (
      await fetch(`${server.url}/search`, { method: "POST", body: form })
    ).json()) as SearchBody;
    expect(multi.results.map(name)).toEqual(["butterfly.png"]);
  });

  it("searches by embedding: the same hits as the image it came from", async () => {
    const model = await openModel({});
    try {
      const e = await model.embedImages([join(photos, "bear.png")]);
      const byEmbedding = (await (
        await postJson("/search", { embedding: Array.from(e.data), k: 3 })
      ).json()) as SearchBody;
      const bytes = await readFile(join(photos, "bear.png"));
      const byImage = (await (await post("/search", bytes, "image/png", "?k=3")).json()) as SearchBody;
      expect(byEmbedding.results.map((h) => h.id)).toEqual(byImage.results.map((h) => h.id));
      expect(byEmbedding.results[0]!.score).toBeCloseTo(1, 4);
    } finally {
      await model.release();
    }
  });

  it("filters on metadata (JSON and, for image bodies, the query string)", async () => {
    const only = join(photos, "bear.png");
    const r = (await (
      await postJson("/search", { text: "avocado", k: 10, filter: { path: only } })
    ).json()) as SearchBody;
    expect(r.results.map((h) => h.metadata.path)).toEqual([only]);
    const bytes = await readFile(join(photos, "avocado.png"));
    const q = `?k=5&filter=${encodeURIComponent(JSON.stringify({ path: only }))}`;
    const i = (await (await post("/search", bytes, "image/png", q)).json()) as SearchBody;
    expect(i.results.map((h) => h.metadata.path)).toEqual([only]);
  });

  it("classifies an image against request labels", async () => {
    const form = new FormData();
    form.set(
      "image",
      new Blob([await readFile(join(photos, "avocado.png"))], { type: "image/png" }),
      "a.png",
    );
    form.set("labels", "avocado,bear,butterfly");
    const r = await fetch(`${server.url}/classify`, { method: "POST", body: form });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { top: { label: string; score: number }[] };
    expect(body.top.map((t) => t.label)).toHaveLength(3);
    expect(body.top[0]!.label).toBe("avocado");
  });

  it("serves indexed files only, and describes itself (OpenAPI, metrics)", async () => {
    const hits = (await (await postJson("/search", { text: "bear", k: 1 })).json()) as SearchBody;
    const file = await fetch(`${server.url}/file/${encodeURIComponent(hits.results[0]!.id)}`);
    expect(file.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await file.arrayBuffer()).equals(await readFile(join(photos, "bear.png")))).toBe(true);
    const missing = await fetch(`${server.url}/file/..%2F..%2Fetc%2Fpasswd`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as ErrorBody).error.code).toBe("NOT_FOUND");
    const api = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: object;
    };
    expect(api.openapi).toBe("3.1.0");
    expect(Object.keys(api.paths)).toEqual(
      expect.arrayContaining(["/search", "/classify", "/healthz", "/metrics"]),
    );
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /clipkit_serve_requests_total\{method="POST",route="\/search",status="200"\} \d+/,
    );
    expect(metrics).toContain("clipkit_serve_request_duration_seconds_bucket");
    expect(metrics).toContain("clipkit_serve_queue_depth 0");
    expect(metrics).toContain("clipkit_serve_index_items 3");
    const ui = await fetch(`${server.url}/`);
    expect(await ui.text()).toContain("<title>clipkit serve</title>");
  });

  it("answers bad requests with typed errors", async () => {
    const cases: [Promise<Response>, number, string][] = [
      [postJson("/search", {}), 400, "INVALID_ARGUMENT"],
      [postJson("/search", { text: "x", embedding: [1] }), 400, "INVALID_ARGUMENT"],
      [postJson("/search", { text: "x", k: 0 }), 400, "INVALID_ARGUMENT"],
      [postJson("/search", { text: "x", filter: "nope" }), 400, "INVALID_ARGUMENT"],
      [postJson("/search", { embedding: [1, 2, 3] }), 400, "SHAPE_MISMATCH"],
      [post("/search", "{not json", "application/json"), 400, "INVALID_ARGUMENT"],
      [post("/search", "text", "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE"],
      [post("/search", "not an image", "image/png"), 422, "IMAGE_DECODE_FAILED"],
      [post("/search", new Uint8Array(2 * 1024 * 1024), "image/png"), 413, "PAYLOAD_TOO_LARGE"],
      [postJson("/classify", { labels: ["a"] }), 400, "INVALID_ARGUMENT"],
      // Form bodies that are not multipart at all, or lack the boundary: the client's fault.
      [post("/search", "garbage", "multipart/form-data; boundary=xx"), 400, "INVALID_ARGUMENT"],
      [post("/search", "garbage", "multipart/form-data"), 400, "INVALID_ARGUMENT"],
      [post("/search", form({ text: "x", k: new Blob(["3"]) }), ""), 400, "INVALID_ARGUMENT"],
      [
        post("/classify", form({ image: new Blob(["x"]), labels: new Blob(["a,b"]) }), ""),
        400,
        "INVALID_ARGUMENT",
      ],
      [fetch(`${server.url}/nope`), 404, "ROUTE_NOT_FOUND"],
      // A known path with the wrong method is 405, not "no route".
      [fetch(`${server.url}/search`), 405, "METHOD_NOT_ALLOWED"],
      [postJson("/healthz", {}), 405, "METHOD_NOT_ALLOWED"],
      // k as text (form fields are text) is taken only as decimal digits, as the CLI's flags.
      [postJson("/search", { text: "x", k: "1e1" }), 400, "INVALID_ARGUMENT"],
      [postJson("/search", { text: "x", k: "0x10" }), 400, "INVALID_ARGUMENT"],
      [postJson("/search", { text: "x", k: " 5" }), 400, "INVALID_ARGUMENT"],
    ];
    for (const [response, status, code] of cases) {
      const r = await response;
      expect([r.status, ((await r.json()) as ErrorBody).error.code]).toEqual([status, code]);
      if (status === 405) expect(r.headers.get("allow")).toMatch(/^(GET|POST)$/);
    }
  });

  it("refuses an empty text query and names a bad image as the request's image", async () => {
    for (const text of ["", "  "]) {
      const r = await postJson("/search", { text });
      expect(r.status).toBe(400);
      expect(((await r.json()) as ErrorBody).error).toEqual({
        code: "INVALID_ARGUMENT",
        message: "text is empty: give the words to search for",
      });
    }
    const bad = await post("/search", "not an image", "image/png");
    expect(((await bad.json()) as ErrorBody).error.message).toMatch(/^image: cannot decode image: /);
  });
});

/** `clipkit_serve_requests_total` of POST /search per status, from /metrics. */
async function searchCounts(): Promise<Map<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const re = /^clipkit_serve_requests_total\{method="POST",route="\/search",status="(\d+)"\} (\d+)$/gm;
  return new Map([...text.matchAll(re)].map((m) => [m[1]!, Number(m[2])]));
}

describe("clipkit serve: clients that hang up", () => {
  it("counts a client gone mid-body as 499, logs no failure, and keeps serving", async () => {
    const before = await searchCounts();
    const logged = logs.length;
    const { port } = new URL(server.url);
    const hangUps = ["image/png", "application/json", "multipart/form-data; boundary=xx"];
    await Promise.all(
      hangUps.map(
        (type) =>
          new Promise<void>((resolve, reject) => {
            const socket = connect(Number(port), "127.0.0.1", () => {
              socket.write(
                `POST /search HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 100000\r\n\r\n${"x".repeat(5000)}`,
              );
              // Hang up once the server has begun the request (its headers are in).
              setTimeout(() => socket.destroy(), 300);
            });
            socket.on("close", () => resolve());
            socket.on("error", reject);
          }),
      ),
    );
    let after = await searchCounts();
    const finished = () => [...after.values()].reduce((a, b) => a + b, 0);
    const started = [...before.values()].reduce((a, b) => a + b, 0);
    for (let i = 0; i < 100 && finished() < started + hangUps.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await searchCounts();
    }
    expect((after.get("499") ?? 0) - (before.get("499") ?? 0)).toBe(hangUps.length);
    expect(after.get("500") ?? 0).toBe(before.get("500") ?? 0);
    expect(logs.slice(logged).filter((l) => l.includes("failed"))).toEqual([]);
    const r = await postJson("/search", { text: "avocado", k: 1 });
    expect(r.status).toBe(200);
  });
});

describe("clipkit serve: an index of another model", () => {
  const TINY_CLIP = fileURLToPath(new URL("../../../../fixtures/models/tiny-clip", import.meta.url));

  it("refuses to start on an index built with another model", async () => {
    await expect(
      startServer({
        ...TEST_SERVER,
        indexPath,
        openModel: () => openModel({ model: TINY_CLIP }),
        maxConcurrency: 1,
        maxQueue: 1,
        maxBodyBytes: 1024,
        watch: false,
      }),
    ).rejects.toMatchObject({
      code: "SPACE_MISMATCH",
      message: expect.stringContaining(`${indexPath} was built in clipkit/emoji-clip-64@`),
    });
  });

  it("keeps serving the old index when a replacement was built with another model", async () => {
    const other = join(dir, "other-model.ckidx");
    const r = await run(["index", photos, "--out", other, "--model", TINY_CLIP]);
    expect(r.code, r.stderr).toBe(0);
    const served = join(dir, "reload-space.ckidx");
    await copyFile(indexPath, served);
    const s = await startServer({
      ...TEST_SERVER,
      indexPath: served,
      maxConcurrency: 1,
      maxQueue: 1,
      maxBodyBytes: 1024,
      watch: false,
    });
    try {
      await copyFile(other, `${served}.tmp`);
      await rename(`${served}.tmp`, served);
      await (s.holder as IndexHolder).reload(); // watch: false — reload by hand, no waiting
      expect(s.holder.generation).toBe(1);
      expect(s.holder.lastError).toMatch(
        /was built in clipkit\/tiny-clip@.*the model embeds into clipkit\/emoji-clip-64@/,
      );
      const res = await fetch(`${s.url}/search`, {
        method: "POST",
        body: JSON.stringify({ text: "avocado", k: 1 }),
        headers: { "content-type": "application/json" },
      });
      expect(res.status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe("clipkit serve: hot reload", () => {
  it("reloads after re-indexing (atomic replace) and keeps the old index when the new file is bad", async () => {
    reloads = [];
    await copyFile(join(EMOJI, "avocado.png"), join(photos, "avocado-2.png"));
    await copyFile(join(EMOJI, "bookmark.png"), join(photos, "bookmark.png"));
    const r = await run(["index", photos, "--out", indexPath, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    await expect.poll(() => reloads.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const h = (await (await fetch(`${server.url}/healthz`)).json()) as {
      index: { size: number; generation: number };
    };
    expect(h.index.size).toBe(4); // avocado-2 shares avocado's content: one entry, two paths
    const bookmark = await readFile(join(photos, "bookmark.png"));
    const found = (await (await post("/search", bookmark, "image/png", "?k=1")).json()) as SearchBody;
    expect(name(found.results[0]!)).toBe("bookmark.png");

    const good = join(dir, "good.ckidx");
    await copyFile(indexPath, good);
    const broken = join(dir, "broken.tmp");
    await writeFile(broken, "not an index");
    await rename(broken, indexPath);
    await expect
      .poll(() => logs.some((l) => l.includes("still serving the previous index")), { timeout: 10_000 })
      .toBe(true);
    const after = (await (await fetch(`${server.url}/healthz`)).json()) as {
      index: { size: number; generation: number; lastReloadError: string | null };
    };
    expect(after.index.size).toBe(4);
    expect(after.index.generation).toBe(h.index.generation);
    expect(after.index.lastReloadError).toMatch(/./);
    // Put the good file back (later tests start servers on it): reloaded, the error clears.
    reloads = [];
    await rename(good, indexPath);
    await expect.poll(() => reloads.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const healed = (await (await fetch(`${server.url}/healthz`)).json()) as {
      index: { lastReloadError: string | null };
    };
    expect(healed.index.lastReloadError).toBeNull();
  });
});

describe("clipkit serve: limits, auth and shutdown", () => {
  /** The bundled model with a text tower that waits for `open()` (to hold requests in flight). */
  async function gatedModel(): Promise<{
    model: LoadedClipModel<ImageInput>;
    open: () => void;
    released: () => boolean;
  }> {
    const base = await openModel({});
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let released = false;
    const model = Object.create(base) as LoadedClipModel<ImageInput>;
    Object.assign(model, {
      embedTexts: async (texts: readonly string[]) => {
        await gate;
        return base.embedTexts(texts);
      },
      release: async () => {
        released = true;
        await base.release();
      },
    });
    return { model, open, released: () => released };
  }

  it("queues up to --queue, refuses more with 503, times out with 504, needs the token (401)", async () => {
    const g = await gatedModel();
    const s = await startServer({
      ...TEST_SERVER,
      indexPath,
      openModel: async () => g.model,
      maxConcurrency: 1,
      maxQueue: 1,
      token: "s3cret",
      watch: false,
    });
    const auth = { authorization: "Bearer s3cret", "content-type": "application/json" };
    const ask = (headers: Record<string, string>) =>
      fetch(`${s.url}/search`, { method: "POST", headers, body: JSON.stringify({ text: "bear" }) });
    try {
      const noToken = await ask({ "content-type": "application/json" });
      expect([noToken.status, ((await noToken.json()) as ErrorBody).error.code]).toEqual([
        401,
        "UNAUTHORIZED",
      ]);
      expect((await ask({ ...auth, authorization: "Bearer wrong" })).status).toBe(401);
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);

      const running = ask(auth);
      const queued = ask(auth);
      await expect
        .poll(
          async () => (await (await fetch(`${s.url}/healthz`)).json()) as { running: number; queued: number },
        )
        .toMatchObject({ running: 1, queued: 1 });
      const refused = await ask(auth);
      expect([refused.status, ((await refused.json()) as ErrorBody).error.code]).toEqual([503, "OVERLOADED"]);

      // Shutdown while two requests are admitted: both finish, new connections are refused, model released.
      const closed = s.close();
      g.open();
      expect((await running).status).toBe(200);
      expect((await queued).status).toBe(200);
      await closed;
      expect(g.released()).toBe(true);
      await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
    } finally {
      g.open();
      await s.close();
    }
  });

  it("times out a request past --timeout-ms with 504", async () => {
    const g = await gatedModel();
    const s = await startServer({
      ...TEST_SERVER,
      indexPath,
      openModel: async () => g.model,
      maxConcurrency: 1,
      maxQueue: 0,
      timeoutMs: 200,
      maxBodyBytes: 1024,
      watch: false,
    });
    try {
      const r = await fetch(`${s.url}/search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "bear" }),
      });
      expect([r.status, ((await r.json()) as ErrorBody).error.code]).toEqual([504, "TIMEOUT"]);
    } finally {
      g.open();
      await s.close();
    }
  });

  /** A server started with `--head headPath` (no other traffic) answers one POST /classify of an emoji. */
  async function classifyWithHead(headPath: string, emoji: string, topK: number) {
    const s = await startServer({
      ...TEST_SERVER,
      indexPath,
      headPath,
      maxConcurrency: 1,
      maxQueue: 1,
      watch: false,
    });
    try {
      const r = await fetch(`${s.url}/classify?topK=${topK}`, {
        method: "POST",
        headers: { "content-type": "image/png" },
        body: await readFile(join(EMOJI, emoji)),
      });
      return { status: r.status, body: (await r.json()) as { top: { label: string }[] } };
    } finally {
      await s.close();
    }
  }

  it("classifies with a head saved by 'clipkit head build' and given at start-up", async () => {
    const headPath = join(dir, "animals.head");
    const built = await run(["head", "build", "--labels", "avocado,bear,butterfly", "--out", headPath]);
    expect(built.code, built.stderr).toBe(0);
    const { body } = await classifyWithHead(headPath, "butterfly.png", 2);
    expect(body.top.map((t) => t.label)).toHaveLength(2);
    expect(body.top[0]!.label).toBe("butterfly");
  });

  it("classifies with a few-shot head from 'clipkit head train' given at start-up", async () => {
    const examples = join(dir, "examples");
    for (const n of ["avocado", "bear", "butterfly"]) {
      await mkdir(join(examples, n), { recursive: true });
      await copyFile(join(EMOJI, `${n}.png`), join(examples, n, `${n}.png`));
    }
    const headPath = join(dir, "animals.ckhead");
    const trained = await run([
      "head",
      "train",
      examples,
      "--method",
      "probe",
      "--out",
      headPath,
      "--embeddings-cache",
      join(dir, "train-cache.idx"),
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    const { status, body } = await classifyWithHead(headPath, "bear.png", 3);
    expect(status).toBe(200);
    expect(body.top.map((t) => t.label).sort()).toEqual(["avocado", "bear", "butterfly"]);
    expect(body.top[0]!.label).toBe("bear"); // a training image: its own class first
  });

  it("a port in use is INVALID_ARGUMENT naming --port, not a raw listen error", async () => {
    const port = Number(new URL(server.url).port);
    const second = startServer({
      ...TEST_SERVER,
      indexPath,
      port,
      maxConcurrency: 1,
      maxQueue: 1,
      maxBodyBytes: 1024,
      watch: false,
    });
    await expect(second).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: `port ${port} on 127.0.0.1 is in use by another process; choose another --port (0 picks a free one)`,
      details: { argument: "--port" },
    });
  });

  it("the CLI refuses a missing --index and a bad --port", async () => {
    expect((await run(["serve"])).stderr).toContain("--index FILE is required");
    const bad = await run(["serve", "--index", indexPath, "--port", "99999"]);
    expect([bad.code, bad.stderr.includes("--port")]).toEqual([1, true]);
  });
});

describe("clipkit serve as a process", () => {
  it("prints its URL, serves, and on SIGTERM finishes the request in flight and exits 0", async () => {
    const child = spawn(process.execPath, cliProcessArgs(["serve", "--index", indexPath, "--port", "0"]), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += String(d);
    });
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await expect
        .poll(() => stdout, { timeout: 60_000, interval: 100 })
        .toMatch(/http:\/\/127\.0\.0\.1:\d+/);
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(stdout)![0];
      const inFlight = fetch(`${url}/search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "bear", k: 2 }),
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      child.kill("SIGTERM");
      const r = await inFlight;
      expect(r.status).toBe(200);
      expect(((await r.json()) as SearchBody).results).toHaveLength(2);
      expect(await exited).toBe(0);
      expect(stderr).toContain("SIGTERM: finishing requests in flight");
      expect(stderr).toContain("clipkit serve: stopped");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 90_000);
});
