import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { bundleForBrowser } from "./bundle.js";
import { launchChromium } from "./chromium.js";
import { type StaticRoutes, type StaticServer, startStaticServer } from "./server.js";

/** A Chromium page serving a freshly bundled test entry. */
export interface TestPage {
  readonly page: Page;
  readonly browser: Browser;
  /** Origin of the static server, with trailing slash. */
  readonly url: string;
  /** Console and page errors seen so far (printed when a test fails). */
  readonly log: string[];
  close(): Promise<void>;
}

/** Options of {@link openTestPage}. */
export interface TestPageOptions {
  /** Browser entry module, bundled to `/app/<name>.js` and loaded by the page. */
  entry: string;
  /** More modules bundled next to it (e.g. a worker the entry starts), not loaded by the page. */
  extraEntries?: readonly string[];
  /** Extra folders to serve, e.g. `{ "/fixtures/": ".../fixtures" }`. */
  routes?: StaticRoutes;
  /** Global the entry sets once ready (default `"clipkitTest"`). */
  readyGlobal?: string;
}

/**
 * The folder holding onnxruntime-web's runtime files (`ort-wasm-simd-threaded.jsep.{mjs,wasm}`),
 * resolved from `fromFile`'s package so the version matches the bundled JavaScript.
 */
export function ortDistDir(fromFile: string): string {
  const require = createRequire(fromFile);
  return dirname(require.resolve("onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm"));
}

/**
 * Bundles `entry`, serves it (plus `/ort/` and `routes`) with COOP/COEP, opens it in headless
 * Chromium and waits for the entry's ready global.
 */
export async function openTestPage(options: TestPageOptions): Promise<TestPage> {
  const dir = await mkdtemp(join(tmpdir(), "clipkit-browser-"));
  await bundleForBrowser({ entryPoints: [options.entry, ...(options.extraEntries ?? [])], outdir: dir });
  const name = options.entry.slice(options.entry.lastIndexOf("/") + 1).replace(/\.[cm]?tsx?$/, ".js");
  await writeFile(
    join(dir, "index.html"),
    `<!doctype html><meta charset="utf-8"><title>clipkit test</title><script type="module" src="./${name}"></script>`,
  );
  const server: StaticServer = await startStaticServer({
    "/app/": dir,
    "/ort/": ortDistDir(options.entry),
    ...options.routes,
  });
  const log: string[] = [];
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    page.on("console", (m) => log.push(`[${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => log.push(`[pageerror] ${e.message}`));
    await page.goto(`${server.url}app/`);
    const ready = options.readyGlobal ?? "clipkitTest";
    await page.waitForFunction((g) => g in globalThis, ready, { timeout: 30_000 });
    const opened = browser;
    return {
      page,
      browser: opened,
      url: server.url,
      log,
      async close() {
        await opened.close();
        await server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not open the test page: ${(error as Error).message}\n${log.join("\n")}`, {
      cause: error,
    });
  }
}
