// Bundled next to browser-entry.ts: the same model in a dedicated worker, where there is no DOM
// (no HTMLImageElement, no document) but OffscreenCanvas, ImageDecoder and onnxruntime-web exist.
import { loadClipModel } from "../index.js";

interface Job {
  model: string;
  texts: string[];
  images: string[];
}

self.onmessage = async (event: MessageEvent<Job>) => {
  try {
    const { model, texts, images } = event.data;
    const loaded = await loadClipModel(`/fixtures/models/${model}/`, {
      wasmPaths: "/ort/",
      calibrateScoring: false,
    });
    const blobs = await Promise.all(images.map(async (p) => (await fetch(`/fixtures/models/${p}`)).blob()));
    const t = await loaded.embedTexts(texts, { normalize: false });
    const i = await loaded.embedImages(blobs, { normalize: false });
    await loaded.release();
    self.postMessage({ texts: Array.from(t.data), images: Array.from(i.data) });
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
};
