import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";

/** Debian's Chromium, installed by `.ci/run` (`apt-get install -y chromium`). */
export const CHROMIUM_PATH = process.env.CLIPKIT_CHROMIUM ?? "/usr/bin/chromium";

/** Why browser tests cannot run here, or undefined when Chromium is installed. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  const why = `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CLIPKIT_CHROMIUM)`;
  // CI installs Chromium and sets this, so a lost browser fails the run instead of skipping silently.
  if (process.env.CLIPKIT_REQUIRE_BROWSER === "1") throw new Error(`browser tests are required: ${why}`);
  return why;
}

const BASE_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// SwiftShader's Vulkan gives headless Chromium a software WebGPU adapter, so WebGPU code paths run
// on machines without a GPU (slowly, but exactly what correctness tests need).
const WEBGPU_ARGS = [
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-webgpu-adapter=swiftshader",
];

/** Launches headless Chromium with WebGPU (SwiftShader) enabled; playwright-core never downloads a browser. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...BASE_ARGS, ...WEBGPU_ARGS],
  });
}
