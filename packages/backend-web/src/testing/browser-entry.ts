// Bundled by browser.test.ts and loaded into Chromium: exposes the package to page.evaluate.

import { createEmbeddings, FlatIndex, loadFlatIndex, saveFlatIndex, tensor } from "@clipkit/core";
import {
  decodeImage,
  deleteIndexFromIndexedDb,
  deleteIndexFromOpfs,
  loadClipModel,
  loadIndexFromIndexedDb,
  loadIndexFromOpfs,
  saveIndexToIndexedDb,
  saveIndexToOpfs,
  urlFiles,
  type WebExecutionProvider,
  webBackend,
} from "../index.js";

interface Golden {
  [name: string]: { dims: number[]; data: number[] };
}

async function affine(executionProvider: WebExecutionProvider) {
  const files = urlFiles("/testing/");
  const golden = JSON.parse(await files.readText("affine.golden.json")) as Golden;
  const backend = webBackend({ executionProviders: [executionProvider], wasmPaths: "/ort/" });
  const session = await backend.createSession(await files.read("affine.onnx"), { label: "affine.onnx" });
  const out = await session.run({
    x: tensor("float32", Float32Array.from(golden.x!.data), golden.x!.dims),
    ids: tensor("int64", BigInt64Array.from(golden.ids!.data.map(BigInt)), golden.ids!.dims),
  });
  await session.release();
  return {
    executionProvider: session.executionProvider,
    y: { dims: out.y!.dims, data: Array.from(out.y!.data as Float32Array) },
    g: { dims: out.g!.dims, data: Array.from(out.g!.data as Float32Array) },
  };
}

async function decode(name: string, as: "blob" | "img" | "bitmap" | "canvas") {
  const blob = await (await fetch(`/testing/decode/${name}`)).blob();
  let input: Parameters<typeof decodeImage>[0] = blob;
  if (as === "img") {
    const img = new Image();
    img.src = URL.createObjectURL(blob);
    await img.decode();
    input = img;
  } else if (as === "bitmap") {
    input = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  } else if (as === "canvas") {
    const bitmap = await createImageBitmap(blob, { colorSpaceConversion: "none" });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext("2d")!.drawImage(bitmap, 0, 0);
    input = canvas;
  }
  const raw = await decodeImage(input, { label: name });
  return { width: raw.width, height: raw.height, channels: raw.channels, data: Array.from(raw.data) };
}

async function decodeError(kind: "garbage" | "object" | "huge") {
  try {
    if (kind === "garbage") await decodeImage(new Blob([new Uint8Array([1, 2, 3])], { type: "image/png" }));
    else if (kind === "object") await decodeImage({} as ImageData, { label: "images[2]" });
    else await decodeImage(new ImageData(100, 100), { maxPixels: 50 });
    return { code: "none", message: "" };
  } catch (error) {
    return { code: (error as { code?: string }).code ?? "?", message: (error as Error).message };
  }
}

/** Embeds texts and images (fetched as Blobs) with a fixture model loaded over HTTP. */
async function clip(
  model: string,
  executionProvider: WebExecutionProvider,
  texts: string[],
  images: string[],
  calibrateScoring = true,
  dtype: "fp32" | "fp16" = "fp32",
) {
  const t0 = performance.now();
  const loaded = await loadClipModel(`/fixtures/models/${model}/`, {
    executionProviders: [executionProvider],
    wasmPaths: "/ort/",
    calibrateScoring,
    dtype,
  });
  const t1 = performance.now();
  const blobs = await Promise.all(images.map(async (p) => (await fetch(`/fixtures/models/${p}`)).blob()));
  const t = await loaded.embedTexts(texts, { normalize: false });
  const t2 = performance.now();
  const i = await loaded.embedImages(blobs, { normalize: false });
  const t3 = performance.now();
  await loaded.release();
  return {
    modelType: loaded.modelType,
    scoring: loaded.scoring,
    dim: t.dim,
    texts: Array.from(t.data),
    images: Array.from(i.data),
    ms: { load: t1 - t0, texts: t2 - t1, images: t3 - t2 },
  };
}

/**
 * Loads a hub id from the local hub server through the real Cache API, embeds texts, then loads it
 * again offline. Returns both embeddings and the last progress event.
 */
async function hubClip(endpoint: string, id: string, texts: string[]) {
  await caches.delete("clipkit-hub-test");
  let last: unknown;
  const run = async (offline: boolean) => {
    const model = await loadClipModel(id, {
      executionProviders: ["wasm"],
      wasmPaths: "/ort/",
      hub: { endpoint, cache: "clipkit-hub-test", offline, onProgress: (p) => (last = p) },
    });
    const e = await model.embedTexts(texts, { normalize: false });
    await model.release();
    return Array.from(e.data);
  };
  const online = await run(false);
  const progress = last;
  const offline = await run(true);
  const gated = await loadClipModel("clipkit/gated", { hub: { endpoint, cache: false } }).then(
    () => "none",
    (e: { code?: string }) => e.code ?? "?",
  );
  await caches.delete("clipkit-hub-test");
  return { online, offline, progress, gated };
}

/** Saves a FlatIndex to IndexedDB or OPFS, reads it back and searches both copies. */
async function store(where: "indexeddb" | "opfs") {
  const space = { id: "test-space", dim: 4, normalized: false };
  const rows = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.7));
  const index = new FlatIndex<{ n: number }>(space);
  index.add(
    Array.from({ length: 10 }, (_, i) => `item-${i}`),
    createEmbeddings(rows, 10, space),
    Array.from({ length: 10 }, (_, n) => ({ n })),
  );
  const query = createEmbeddings(Float32Array.from([0.3, -0.2, 0.9, 0.1]), 1, space);
  const save = where === "opfs" ? saveIndexToOpfs : saveIndexToIndexedDb;
  const load = where === "opfs" ? loadIndexFromOpfs : loadIndexFromIndexedDb;
  const remove = where === "opfs" ? deleteIndexFromOpfs : deleteIndexFromIndexedDb;
  await save("photos", saveFlatIndex(index));
  const bytes = await load("photos");
  const restored = bytes ? loadFlatIndex<{ n: number }>(bytes, `${where}:photos`) : undefined;
  await remove("photos");
  return {
    before: index.search(query, { k: 3 })[0],
    after: restored?.search(query, { k: 3 })[0] ?? null,
    gone: (await load("photos")) === undefined,
    badName: await save("", new Uint8Array(1)).then(
      () => "none",
      (e: { code?: string }) => e.code ?? "?",
    ),
  };
}

/** Reads a file through urlFiles with the real Cache API, then again with the network cut off. */
async function cached() {
  const url = new URL("/testing/affine.onnx", location.href).href;
  await caches.delete("clipkit-test");
  const first = await urlFiles("/testing/", { cache: "clipkit-test" }).read("affine.onnx");
  const stored = await (await caches.open("clipkit-test")).match(url);
  const offline: typeof fetch = async () => {
    throw new TypeError("offline");
  };
  const second = await urlFiles("/testing/", { cache: "clipkit-test", fetch: offline }).read("affine.onnx");
  const uncached = await urlFiles("/testing/", { fetch: offline })
    .read("affine.onnx")
    .then(
      () => "none",
      (e: { code?: string }) => e.code ?? "?",
    );
  await caches.delete("clipkit-test");
  return { stored: stored !== undefined, same: first.join() === second.join(), uncached };
}

/** Runs worker-entry.ts in a module worker and returns its embeddings. */
function inWorker(model: string, texts: string[], images: string[]) {
  const worker = new Worker(new URL("./worker-entry.js", import.meta.url), { type: "module" });
  return new Promise<{ texts?: number[]; images?: number[]; error?: string }>((resolve) => {
    worker.onmessage = (e) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => {
      worker.terminate();
      resolve({ error: e.message });
    };
    worker.postMessage({ model, texts, images });
  });
}

Object.assign(globalThis, {
  clipkitTest: {
    affine,
    decode,
    decodeError,
    clip,
    store,
    cached,
    hubClip,
    inWorker,
    crossOriginIsolated: globalThis.crossOriginIsolated,
  },
});
