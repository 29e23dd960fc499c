// Bundled by browser.test.ts and loaded into Chromium: exposes the package to page.evaluate.

import { tensor } from "@clipkit/core";
import {
  decodeImage,
  deleteIndexFromIndexedDb,
  loadClipModel,
  loadIndexFromIndexedDb,
  saveIndexToIndexedDb,
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
) {
  const t0 = performance.now();
  const loaded = await loadClipModel(`/fixtures/models/${model}/`, {
    executionProviders: [executionProvider],
    wasmPaths: "/ort/",
    calibrateScoring,
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

/** Round-trips bytes through IndexedDB. */
async function store(key: string, bytes: number[]) {
  await saveIndexToIndexedDb(key, Uint8Array.from(bytes), { database: "clipkit-test" });
  const back = await loadIndexFromIndexedDb(key, { database: "clipkit-test" });
  await deleteIndexFromIndexedDb(key, { database: "clipkit-test" });
  const gone = await loadIndexFromIndexedDb(key, { database: "clipkit-test" });
  return { back: back ? Array.from(back) : null, gone: gone === undefined };
}

Object.assign(globalThis, {
  clipkitTest: {
    affine,
    decode,
    decodeError,
    clip,
    store,
    crossOriginIsolated: globalThis.crossOriginIsolated,
  },
});
