import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openModel } from "../util/model.js";
import { runCliCaptured as run } from "../util/test-io.js";
import { type RunningServer, startServer } from "./server.js";
import { lazyVlm } from "./vlm.js";

const FIXTURES = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
const capDir = join(FIXTURES, "tiny-captioner");
const ref = JSON.parse(readFileSync(join(capDir, "reference.json"), "utf8")) as {
  images: { file: string; text: string }[];
};

let dir: string;
let indexPath: string;
let withVlm: RunningServer;
let without: RunningServer;
const base = {
  host: "127.0.0.1",
  port: 0,
  maxConcurrency: 1,
  maxQueue: 4,
  timeoutMs: 60_000,
  log: () => undefined,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-serve-vlm-"));
  indexPath = join(dir, "i.ckidx");
  expect((await run(["index", join(FIXTURES, "images"), "--out", indexPath])).code).toBe(0);
  withVlm = await startServer({
    ...base,
    indexPath,
    openModel: () => openModel({}),
    vlm: lazyVlm(capDir),
    maxBodyBytes: 256 * 1024,
  });
  without = await startServer({ ...base, indexPath, openModel: () => openModel({}), maxBodyBytes: 1024 });
}, 120_000);
afterAll(async () => {
  await withVlm?.close();
  await without?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("clipkit serve --vlm: POST /caption and POST /ask", () => {
  it("captions raw image bytes like clipkit caption, and answers a multipart question", async () => {
    const image = await readFile(join(capDir, ref.images[0]!.file));
    const cap = await fetch(`${withVlm.url}/caption`, {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: image,
    });
    expect(cap.status).toBe(200);
    const body = (await cap.json()) as { text: string; tokens: number[] };
    expect(body.text).toBe(ref.images[0]!.text);
    expect(body.tokens.length).toBeGreaterThan(0);
    const form = new FormData();
    form.append("image", new Blob([image]), "x.png");
    form.append("question", "what color is the shape?");
    const ask = await fetch(`${withVlm.url}/ask`, { method: "POST", body: form });
    expect(ask.status).toBe(200);
    expect(await ask.json()).toMatchObject({ question: "what color is the shape?", text: "red" });
    const health = (await (await fetch(`${withVlm.url}/healthz`)).json()) as { vlm: string };
    expect(health.vlm).toBe(capDir);
  }, 60_000);

  it("answers bad requests with typed errors and keeps the body and generation bounds", async () => {
    const image = await readFile(join(capDir, ref.images[0]!.file));
    const post = (path: string, body: BodyInit, type: string, server = withVlm) =>
      fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": type }, body });
    const noQuestion = await post("/ask", image, "image/png");
    expect(noQuestion.status).toBe(400);
    expect(((await noQuestion.json()) as { error: { code: string } }).error.code).toBe("INVALID_ARGUMENT");
    const noImage = await post("/caption", JSON.stringify({ text: "x" }), "application/json");
    expect(noImage.status).toBe(400);
    const tooLong = await post("/caption?maxNewTokens=100000", image, "image/png");
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain("maxNewTokens");
    const notImage = await post("/caption", new Uint8Array([1, 2, 3]), "image/png");
    expect(notImage.status).toBe(422);
    const off = await post("/caption", image.subarray(0, 512), "image/png", without);
    expect(off.status).toBe(404);
    expect(((await off.json()) as { error: { code: string } }).error.code).toBe("VLM_NOT_LOADED");
    const api = (await (await fetch(`${withVlm.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(api.paths)).toEqual(expect.arrayContaining(["/caption", "/ask"]));
    // Last: the server closes the connection after refusing an oversized body.
    const big = await post("/caption", new Uint8Array(300 * 1024), "image/png");
    expect(big.status).toBe(413);
  }, 60_000);
});
