import { build } from "esbuild";

/** Options of {@link bundleForBrowser}. */
export interface BundleOptions {
  /** Entry modules (TypeScript allowed). */
  entryPoints: readonly string[];
  /** Output folder. */
  outdir: string;
  minify?: boolean;
}

/**
 * Bundles browser code against clipkit's sources (the `@clipkit/source` condition) as ES modules.
 *
 * `onnxruntime-web-use-extern-wasm` picks the onnxruntime-web build that loads its runtime
 * (`ort-wasm-simd-threaded.jsep.mjs` + `.wasm`) from `wasmPaths` at run time instead of inlining
 * it, so the page serves those files itself and multi-threaded workers start from them.
 */
export async function bundleForBrowser(options: BundleOptions): Promise<void> {
  await build({
    entryPoints: [...options.entryPoints],
    outdir: options.outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["@clipkit/source", "onnxruntime-web-use-extern-wasm"],
    minify: options.minify ?? false,
    sourcemap: false,
    logLevel: "warning",
  });
}
