import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadClipModel as loadNodeClipModel } from "@clipkit/backend-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing } from "../../../tools/browser-test/chromium.js";
import { openTestPage, type TestPage } from "../../../tools/browser-test/harness.js";
import { COMMITS, FAKE_REPOS } from "../../backend-node/src/hub/testing/fixtures.js";
import { startHubServer } from "../../backend-node/src/hub/testing/hub-server.js";

// Runs the package in Debian's headless Chromium (wasm and SwiftShader WebGPU). Skips only when
// Chromium is not installed; .ci/run installs it, so CI always runs these.
const missing = chromiumMissing();
if (missing) console.warn(`[backend-web] skipping browser tests: ${missing}`);

const testing = fileURLToPath(new URL("./testing/", import.meta.url));
const fixtures = fileURLToPath(new URL("../../../fixtures/", import.meta.url));

interface Reference {
  texts: { text: string; embedding: number[] }[];
  images: { file: string; embedding: number[] }[];
}
const reference = (model: string) =>
  JSON.parse(readFileSync(`${fixtures}models/${model}.reference.json`, "utf8")) as Reference;

/** Embeddings of the same texts and image files from the Node backend (onnxruntime-node, sharp). */
async function nodeEmbeddings(
  model: string,
  texts: string[],
  images: string[],
  dtype: "fp32" | "fp16" = "fp32",
) {
  const loaded = await loadNodeClipModel(`${fixtures}models/${model}`, { dtype });
  const t = await loaded.embedTexts(texts, { normalize: false });
  const i = await loaded.embedImages(
    images.map((f) => `${fixtures}models/${f}`),
    { normalize: false },
  );
  await loaded.release();
  return { texts: Array.from(t.data as Float32Array), images: Array.from(i.data as Float32Array) };
}

// Measured on SwiftShader; WebGPU kernels reorder float sums (and use their own tanh/erf/exp), so
// they agree with the CPU to about 1e-5 relative. Documented in docs/browser.md.
const TOLERANCE = { wasm: 1e-4, webgpu: 1e-3 } as const;
const golden = JSON.parse(readFileSync(`${testing}affine.golden.json`, "utf8")) as Record<
  string,
  { dims: number[]; data: number[] }
>;
const pillow = JSON.parse(readFileSync(`${testing}decode/pillow-rgba.json`, "utf8")) as Record<
  string,
  { width: number; height: number; rgba: string }
>;

interface Api {
  affine(ep: string): Promise<{
    executionProvider: string;
    y: { dims: number[]; data: number[] };
    g: { dims: number[]; data: number[] };
  }>;
  decode(
    name: string,
    as: string,
  ): Promise<{ width: number; height: number; channels: number; data: number[] }>;
  decodeError(kind: string): Promise<{ code: string; message: string }>;
  clip(
    model: string,
    ep: string,
    texts: string[],
    images: string[],
    calibrateScoring?: boolean,
    dtype?: string,
  ): Promise<{
    modelType: string;
    scoring: unknown;
    dim: number;
    texts: number[];
    images: number[];
    ms: Record<string, number>;
  }>;
  store(where: string): Promise<{
    before: unknown[];
    after: unknown[] | null;
    gone: boolean;
    badName: string;
  }>;
  cached(): Promise<{ stored: boolean; same: boolean; uncached: string }>;
  hubClip(
    endpoint: string,
    id: string,
    texts: string[],
  ): Promise<{
    online: number[];
    offline: number[];
    progress: { bytes: number; total: number; filesDone: number; filesTotal: number };
    gated: string;
  }>;
  inWorker(
    model: string,
    texts: string[],
    images: string[],
  ): Promise<{ texts?: number[]; images?: number[]; error?: string }>;
  crossOriginIsolated: boolean;
}

/** RGBA bytes without the alpha channel. */
function rgbOf(rgba: Buffer): Buffer {
  const out = Buffer.alloc((rgba.length / 4) * 3);
  for (let p = 0, o = 0; p < rgba.length; p += 4, o += 3) rgba.copy(out, o, p, p + 3);
  return out;
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.skipIf(missing !== undefined)("backend-web in Chromium", () => {
  let t: TestPage;
  const call = <K extends keyof Api>(name: K, ...args: unknown[]) =>
    t.page.evaluate(
      ([n, a]) => {
        const api = (globalThis as unknown as { clipkitTest: Record<string, (...x: unknown[]) => unknown> })
          .clipkitTest;
        return api[n as string]!(...(a as unknown[]));
      },
      [name, args] as const,
    ) as ReturnType<Api[K] extends (...x: never[]) => infer R ? () => R : never>;

  beforeAll(async () => {
    t = await openTestPage({
      entry: fileURLToPath(new URL("./testing/browser-entry.ts", import.meta.url)),
      extraEntries: [fileURLToPath(new URL("./testing/worker-entry.ts", import.meta.url))],
      routes: { "/testing/": testing, "/fixtures/": fixtures },
    });
  }, 300_000);
  afterAll(async () => {
    await t?.close();
  });

  it("is cross-origin isolated, so wasm can use threads", async () => {
    expect(await t.page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  });

  for (const ep of ["wasm", "webgpu"] as const) {
    it(`runs an ONNX graph on ${ep} and matches numpy`, { timeout: 180_000 }, async () => {
      const out = await call("affine", ep).catch((e: Error) => {
        throw new Error(`${e.message}\n${t.log.join("\n")}`);
      });
      expect(out.executionProvider).toBe(ep);
      expect(out.y.dims).toEqual(golden.y!.dims);
      expect(out.g.dims).toEqual(golden.g!.dims);
      // WebGPU (SwiftShader) evaluates tanh with its own approximation.
      expect(maxAbsDiff(out.y.data, golden.y!.data)).toBeLessThan(ep === "wasm" ? 1e-6 : 1e-4);
      expect(maxAbsDiff(out.g.data, golden.g!.data)).toBeLessThan(1e-6);
    });
  }

  for (const [name, via] of [
    ["rgb.png", "blob"],
    ["gray.png", "blob"],
    ["opaque-rgba.png", "blob"],
    ["palette.png", "blob"],
    ["translucent.png", "blob"],
    ["gray-alpha.png", "blob"],
    ["rgb.png", "img"],
    ["rgb.png", "bitmap"],
    ["rgb.png", "canvas"],
  ] as const) {
    // Encoded files follow Pillow's modes: grey, RGB and palette PNGs have no alpha band (RGB bytes).
    const noAlpha = via === "blob" && ["rgb.png", "gray.png", "palette.png"].includes(name);
    const bytes = noAlpha ? "RGB" : "RGBA";
    it(`decodes ${name} from ${via === "img" ? "an <img>" : `a ${via}`} to Pillow's ${bytes} bytes`, async () => {
      const raw = await call("decode", name, via);
      const want = pillow[name]!;
      const rgba = Buffer.from(want.rgba, "base64");
      expect([raw.width, raw.height, raw.channels]).toEqual([want.width, want.height, noAlpha ? 3 : 4]);
      expect(Buffer.from(raw.data).equals(noAlpha ? rgbOf(rgba) : rgba)).toBe(true);
    });
  }

  it("shows why blobs matter: an <img> of a translucent PNG loses transparent colours (canvas premultiplies)", async () => {
    const raw = await call("decode", "translucent.png", "img");
    const want = Buffer.from(pillow["translucent.png"]!.rgba, "base64");
    // The generator made pixels 0–2 fully transparent but coloured; Pillow keeps the colour.
    expect([...want.subarray(0, 12)].some((v, i) => i % 4 !== 3 && v !== 0)).toBe(true);
    expect(raw.data.slice(0, 12)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("decodes a JPEG within ±2 of Pillow (both use libjpeg-turbo; upsampling may differ)", async () => {
    const raw = await call("decode", "rgb-q95.jpg", "blob");
    expect(raw.channels).toBe(3); // JPEG: Pillow mode RGB, no alpha band
    const want = [...rgbOf(Buffer.from(pillow["rgb-q95.jpg"]!.rgba, "base64"))];
    expect(maxAbsDiff(raw.data, want)).toBeLessThanOrEqual(2);
  });

  it("keeps model files in the Cache API and reads them back without the network", async () => {
    expect(await call("cached")).toEqual({ stored: true, same: true, uncached: "IO_FAILED" });
  });

  it("loads a hub id from a local hub server (cross-origin, LFS redirects) into the Cache API, then offline", {
    timeout: 300_000,
  }, async () => {
    const hub = await startHubServer(FAKE_REPOS);
    try {
      const texts = reference("tiny-clip")
        .texts.slice(0, 3)
        .map((x) => x.text);
      const node = await nodeEmbeddings(
        "tiny-clip",
        texts,
        reference("tiny-clip")
          .images.slice(0, 1)
          .map((x) => x.file),
      );
      const web = await call("hubClip", hub.url, "clipkit/tiny-clip", texts).catch((e: Error) => {
        throw new Error(`${e.message}\n${t.log.join("\n")}`);
      });
      expect(maxAbsDiff(web.online, node.texts)).toBeLessThanOrEqual(TOLERANCE.wasm);
      expect(web.offline).toEqual(web.online);
      expect(web.progress.bytes).toBe(web.progress.total);
      expect(web.progress.filesDone).toBe(web.progress.filesTotal);
      expect(web.gated).toBe("HUB_AUTH_REQUIRED");
      const fetched = hub.requests
        .filter((r) => r.path.includes("/resolve/"))
        .map((r) => r.path.split("/").pop());
      // Only the fp32 split towers and the configs: no fp16/quantized variants, and the combined
      // graph only scanned for its logit scale with Range requests (never downloaded).
      expect(fetched.some((f) => /_(fp16|quantized)\.onnx$/.test(f ?? ""))).toBe(false);
      const combined = hub.requests.filter((r) =>
        r.path.endsWith(`/resolve/${COMMITS.clip}/onnx/model.onnx`),
      );
      expect(combined.length).toBeGreaterThan(0);
      expect(combined.every((r) => r.range !== undefined)).toBe(true);
      expect(fetched).toContain("vision_model.onnx_data");
    } finally {
      await hub.close();
    }
  });

  for (const where of ["indexeddb", "opfs"]) {
    it(`saves a FlatIndex to ${where} and searches the reloaded copy identically`, async () => {
      const r = await call("store", where);
      expect(r.before).toHaveLength(3);
      expect(r.after).toEqual(r.before);
      expect(r.gone).toBe(true);
      expect(r.badName).toBe("INVALID_ARGUMENT");
    });
  }

  for (const model of ["tiny-clip", "tiny-siglip"]) {
    describe(model, () => {
      const ref = reference(model);
      const texts = ref.texts.map((t) => t.text);
      const images = ref.images.map((i) => i.file);
      let node: { texts: number[]; images: number[] };
      beforeAll(async () => {
        node = await nodeEmbeddings(model, texts, images);
      }, 300_000);

      // SwiftShader compiles every WebGPU kernel on the CPU, so WebGPU runs one model to keep CI short.
      for (const ep of model === "tiny-clip" ? (["wasm", "webgpu"] as const) : (["wasm"] as const)) {
        it(`embeds texts and PNG images on ${ep} like the Node backend (max |Δ| ≤ ${TOLERANCE[ep]})`, {
          timeout: 400_000,
        }, async () => {
          const web = await call("clip", model, ep, texts, images, ep === "wasm").catch((e: Error) => {
            throw new Error(`${e.message}\n${t.log.join("\n")}`);
          });
          expect(web.modelType).toBe(model === "tiny-clip" ? "clip" : "siglip");
          const dText = maxAbsDiff(web.texts, node.texts);
          const dImage = maxAbsDiff(web.images, node.images);
          const dRef = maxAbsDiff(
            web.texts.concat(web.images),
            ref.texts.flatMap((x) => x.embedding).concat(ref.images.flatMap((x) => x.embedding)),
          );
          console.log(
            `[backend-web] ${model} ${ep}: max|Δ| vs node text ${dText.toExponential(2)}, image ${dImage.toExponential(2)}; vs PyTorch ${dRef.toExponential(2)}; ms ${JSON.stringify(web.ms)}`,
          );
          expect(dText).toBeLessThanOrEqual(TOLERANCE[ep]);
          expect(dImage).toBeLessThanOrEqual(TOLERANCE[ep]);
          expect(dRef).toBeLessThanOrEqual(TOLERANCE[ep] * 10);
        });
      }
    });
  }

  it("runs fp16 graphs (Float16Array in Chromium, Uint16Array in core) like the Node backend", {
    timeout: 300_000,
  }, async () => {
    const ref = reference("tiny-clip");
    const texts = ref.texts.slice(0, 3).map((x) => x.text);
    const images = ref.images.map((x) => x.file);
    const node = await nodeEmbeddings("tiny-clip", texts, images, "fp16");
    const web = await call("clip", "tiny-clip", "wasm", texts, images, false, "fp16");
    const d = Math.max(maxAbsDiff(web.texts, node.texts), maxAbsDiff(web.images, node.images));
    console.log(`[backend-web] tiny-clip fp16 wasm: max|Δ| vs node ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-3);
    // fp16 weights still land near the fp32 reference.
    expect(
      maxAbsDiff(
        web.texts,
        ref.texts.slice(0, 3).flatMap((x) => x.embedding),
      ),
    ).toBeLessThan(0.05);
  });

  it("runs in a module worker (no DOM) like the Node backend", { timeout: 300_000 }, async () => {
    const ref = reference("tiny-clip");
    const texts = ref.texts.slice(0, 2).map((x) => x.text);
    const images = ref.images.map((x) => x.file);
    const node = await nodeEmbeddings("tiny-clip", texts, images);
    const web = await call("inWorker", "tiny-clip", texts, images);
    expect(web.error).toBeUndefined();
    expect(maxAbsDiff(web.texts!, node.texts)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(web.images!, node.images)).toBeLessThanOrEqual(1e-4);
  });

  it("reports undecodable, unsupported and oversized inputs with stable codes", async () => {
    expect((await call("decodeError", "garbage")).code).toBe("IMAGE_DECODE_FAILED");
    const wrong = await call("decodeError", "object");
    expect(wrong.code).toBe("IMAGE_INVALID");
    expect(wrong.message).toContain("images[2]");
    expect((await call("decodeError", "huge")).code).toBe("IMAGE_TOO_LARGE");
  });
});
