import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isClipkitError } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StaticServer, startStaticServer } from "../../../../tools/browser-test/server.js";
import { blobFiles, type CacheStorageLike, urlFiles } from "./index.js";

const testing = fileURLToPath(new URL("../testing/", import.meta.url));
const onnxBytes = new Uint8Array(readFileSync(`${testing}affine.onnx`));

/** An in-memory Cache API that records what was stored. */
function memoryCaches() {
  const stores = new Map<string, Map<string, Response>>();
  const caches: CacheStorageLike = {
    async open(name) {
      const store = stores.get(name) ?? new Map<string, Response>();
      stores.set(name, store);
      return {
        async match(request: RequestInfo | URL) {
          return store.get(String(request))?.clone();
        },
        async put(request: RequestInfo | URL, response: Response) {
          store.set(String(request), new Response(await response.arrayBuffer()));
        },
      } as Pick<Cache, "match" | "put">;
    },
  };
  return { caches, stores };
}

describe("urlFiles", () => {
  let server: StaticServer;
  beforeAll(async () => {
    server = await startStaticServer({ "/models/": testing });
  });
  afterAll(async () => server.close());

  it("reads bytes and text below the base URL", async () => {
    const files = urlFiles(`${server.url}models`);
    expect(files.location).toBe(`${server.url}models`);
    expect(await files.read("affine.onnx")).toEqual(onnxBytes);
    expect(JSON.parse(await files.readText("affine.golden.json")).y.dims).toEqual([2, 3]);
    expect(await files.exists("affine.onnx")).toBe(true);
    expect(await files.exists("nope.onnx")).toBe(false);
  });

  it("names the missing file and URL", async () => {
    const error = await urlFiles(`${server.url}models/`)
      .read("onnx/vision_model.onnx")
      .catch((e: unknown) => e);
    expect(isClipkitError(error, "MODEL_FILE_MISSING")).toBe(true);
    expect((error as Error).message).toContain("onnx/vision_model.onnx");
    expect((error as Error).message).toContain(server.url);
  });

  it("serves repeat reads from the cache without fetching", async () => {
    const { caches, stores } = memoryCaches();
    let fetches = 0;
    const counting: typeof fetch = (input, init) => {
      fetches++;
      return fetch(input, init);
    };
    const files = urlFiles(`${server.url}models/`, { cache: "my-models", caches, fetch: counting });
    expect(await files.read("affine.onnx")).toEqual(onnxBytes);
    expect(fetches).toBe(1);
    expect([...(stores.get("my-models")?.keys() ?? [])]).toEqual([`${server.url}models/affine.onnx`]);
    expect(await files.read("affine.onnx")).toEqual(onnxBytes);
    expect(await files.exists("affine.onnx")).toBe(true);
    expect(fetches).toBe(1);
  });

  it("reports HTTP errors other than 404 as IO_FAILED", async () => {
    const failing: typeof fetch = async () => new Response("boom", { status: 500 });
    await expect(
      urlFiles("http://example.invalid/m/", { fetch: failing }).read("a.onnx"),
    ).rejects.toMatchObject({
      code: "IO_FAILED",
    });
  });

  it("refuses paths that escape the base", async () => {
    const files = urlFiles(`${server.url}models/`);
    await expect(files.read("../secret")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(files.read("/etc/passwd")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("blobFiles", () => {
  it("reads from a path → Blob map", async () => {
    const files = blobFiles(new Map([["onnx/model.onnx", new Blob([onnxBytes])]]));
    expect(await files.read("onnx/model.onnx")).toEqual(onnxBytes);
    expect(await files.exists("config.json")).toBe(false);
    await expect(files.read("config.json")).rejects.toMatchObject({ code: "MODEL_FILE_MISSING" });
  });

  it("keys picked folders by their path below the folder and loose files by name", async () => {
    const inFolder = new File(["{}"], "config.json");
    Object.defineProperty(inFolder, "webkitRelativePath", { value: "tiny-clip/config.json" });
    const nested = new File([onnxBytes], "text_model.onnx");
    Object.defineProperty(nested, "webkitRelativePath", { value: "tiny-clip/onnx/text_model.onnx" });
    const loose = new File(["a"], "vocab.json");
    const files = blobFiles([inFolder, nested, loose]);
    expect(await files.readText("config.json")).toBe("{}");
    expect(await files.read("onnx/text_model.onnx")).toEqual(onnxBytes);
    // A dropped file without folder structure still serves the path the loader asks for.
    expect(await files.readText("tokenizer/vocab.json")).toBe("a");
  });

  it("does not guess when two files share a base name", async () => {
    const files = blobFiles(
      new Map([
        ["onnx/model.onnx", new Blob(["1"])],
        ["other/model.onnx", new Blob(["2"])],
      ]),
    );
    expect(await files.exists("x/model.onnx")).toBe(false);
  });
});
