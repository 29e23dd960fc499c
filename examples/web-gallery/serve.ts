/**
 * Bundles the web gallery and serves it with the COOP/COEP headers that give onnxruntime-web
 * threads. The onnxruntime-web runtime, the emoji model and the images come from this repository;
 * nothing is fetched from a CDN or a model hub.
 *
 *   npx tsx examples/web-gallery/serve.ts        # then open the printed URL
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleForBrowser } from "../../tools/browser-test/bundle.js";
import { ortDistDir } from "../../tools/browser-test/harness.js";
import { type StaticServer, startStaticServer } from "../../tools/browser-test/server.js";

const here = import.meta.dirname;
const repo = join(here, "..", "..");

/** Builds the app into a temporary folder and serves it on 127.0.0.1 (random port). */
export async function startGallery(): Promise<StaticServer> {
  const out = await mkdtemp(join(tmpdir(), "clipkit-gallery-"));
  await bundleForBrowser({ entryPoints: [join(here, "main.ts")], outdir: out, minify: true });
  const server = await startStaticServer({
    "/": here,
    "/app/": out,
    "/ort/": ortDistDir(join(repo, "packages", "backend-web", "src", "index.ts")),
    "/model/": join(repo, "packages", "model-emoji", "model"),
    "/assets/": join(repo, "examples", "demo-assets"),
  });
  return {
    url: server.url,
    async close() {
      await server.close();
      await rm(out, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const server = await startGallery();
  console.log(`clipkit web gallery: ${server.url}  (add ?ep=webgpu to try WebGPU; Ctrl-C to stop)`);
}
