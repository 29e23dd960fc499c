import { isClipkitError } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMITS, FAKE_REPOS, TOKEN } from "../../../backend-node/src/hub/testing/fixtures.js";
import { type HubServer, startHubServer } from "../../../backend-node/src/hub/testing/hub-server.js";
import { webHubFiles } from "./hub-files.js";
import type { WebHubFilesOptions } from "./options.js";
import { memoryCaches } from "./testing/memory-caches.js";

// The browser hub path in Node (fetch is global; the Cache API is an in-memory stand-in here and
// the real one in browser.test.ts).

let server: HubServer;
beforeAll(async () => {
  server = await startHubServer(FAKE_REPOS);
});
afterAll(async () => {
  await server.close();
});
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );
const resolvePaths = (from: number) =>
  server.requests
    .slice(from)
    .filter((r) => r.path.includes("/resolve/"))
    .map((r) => r.path.slice(r.path.indexOf("/resolve/") + 9 + 41));

describe("webHubFiles", () => {
  it("resolves the revision once, reads only the selected files through the cache, reports overall progress", async () => {
    const caches = memoryCaches();
    const events: { bytes: number; total: number; filesDone: number }[] = [];
    const options: WebHubFilesOptions = {
      endpoint: server.url,
      caches,
      kind: "clip",
      dtype: "fp16",
      calibrateScoring: false,
      onProgress: (p) => events.push(p),
    };
    const n = server.requests.length;
    const files = await webHubFiles("clipkit/tiny-clip", options);
    expect(files.commit).toBe(COMMITS.clip);
    expect([...files.selected].sort()).toEqual(
      [
        "config.json",
        "preprocessor_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "onnx/text_model_fp16.onnx",
        "onnx/vision_model_fp16.onnx",
      ].sort(),
    );
    for (const f of files.selected) await files.read(f);
    expect(new Set(resolvePaths(n))).toEqual(new Set(files.selected));
    const last = events.at(-1)!;
    expect(last.bytes).toBe(last.total);
    expect(last.filesDone).toBe(6);
    // Offline: the revision, listing and files all come from the cache; no request at all.
    const m = server.requests.length;
    const offline = await webHubFiles("clipkit/tiny-clip", {
      ...options,
      offline: true,
      onProgress: () => {},
    });
    for (const f of offline.selected) await offline.read(f);
    expect(server.requests.length).toBe(m);
    const missing = await errorOf(offline.read("onnx/model.onnx"));
    expect(isClipkitError(missing, "MODEL_FILE_MISSING")).toBe(true);
    const uncached = await errorOf(webHubFiles("clipkit/emoji", { ...options, offline: true }));
    expect(isClipkitError(uncached, "MODEL_FILE_MISSING")).toBe(true);
  });

  it("maps unknown repos, gated repos and bad ids to typed errors; a token opens the gated repo", async () => {
    const o = { endpoint: server.url, cache: false } as const;
    expect(isClipkitError(await errorOf(webHubFiles("clipkit/nope", o)), "NOT_FOUND")).toBe(true);
    const gated = await errorOf(webHubFiles("clipkit/gated", o));
    expect(isClipkitError(gated, "HUB_AUTH_REQUIRED")).toBe(true);
    expect(
      isClipkitError(
        await errorOf(webHubFiles("clipkit/gated", { ...o, token: "hf_bad" })),
        "HUB_AUTH_REQUIRED",
      ),
    ).toBe(true);
    const ok = await webHubFiles("clipkit/gated", { ...o, token: TOKEN, kind: "clip" });
    expect((await ok.read("config.json")).byteLength).toBeGreaterThan(0);
    expect(isClipkitError(await errorOf(webHubFiles("../x", o)), "INVALID_ARGUMENT")).toBe(true);
  });

  it("pins a tag and follows a mirror's URL template without the API", async () => {
    const o = { endpoint: server.url, cache: false, kind: "clip" } as const;
    const tag = await webHubFiles("clipkit/tiny-clip@v1", o);
    expect(tag.commit).toBe(COMMITS.siglip);
    expect(JSON.parse(await tag.readText("config.json")).model_type).toBe("siglip");
    const n = server.requests.length;
    const mirror = await webHubFiles("clipkit/tiny-clip@v1", {
      ...o,
      api: false,
      fileUrl: `${server.url}/{repo}/resolve/{revision}/{path}`,
    });
    expect(mirror.commit).toBe("v1");
    expect(await mirror.exists("onnx/text_model.onnx")).toBe(true);
    expect(JSON.parse(await mirror.readText("config.json")).model_type).toBe("siglip");
    expect(server.requests.slice(n).some((r) => r.path.startsWith("/api/"))).toBe(false);
  });
});
