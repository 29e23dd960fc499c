import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { emojiModelDir } from "@clipkit/model-emoji";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium } from "../../../../tools/browser-test/chromium.js";
import { runCliCaptured as run } from "../util/test-io.js";
import { type RunningServer, startServer } from "./server.js";
import { TEST_SERVER } from "./testing.js";

const missing = chromiumMissing();
if (missing) console.warn(`[cli serve] skipping the web UI test: ${missing}`);

const EMOJI = join(emojiModelDir, "..", "eval", "twemoji-sample", "images");
const NAMES = [
  "avocado",
  "bear",
  "butterfly",
  "polar-bear",
  "strawberry",
  "grinning-cat",
  "helicopter",
  "violin",
  "kangaroo",
  "laptop",
];
// The committed screenshot is rewritten only on request, so a test run leaves the tree clean.
const SCREENSHOT =
  process.env.CLIPKIT_UPDATE_SCREENSHOTS === "1"
    ? fileURLToPath(new URL("../../../../docs/img/serve-ui.png", import.meta.url))
    : undefined;

describe.skipIf(missing !== undefined)("clipkit serve web UI in Chromium", () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "clipkit-serve-ui-"));
    const photos = join(dir, "photos");
    await mkdir(photos);
    for (const n of NAMES) await copyFile(join(EMOJI, `${n}.png`), join(photos, `${n}.png`));
    const indexPath = join(dir, "gallery.ckidx");
    const r = await run(["index", photos, "--out", indexPath]);
    expect(r.code, r.stderr).toBe(0);
    server = await startServer({ ...TEST_SERVER, indexPath, watch: false });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("searches by text and by a dropped image, showing scores, paths and thumbnails", async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 640 } });
    await page.goto(server.url);
    await expect.poll(() => page.textContent("#info")).toMatch(/items · flat/);

    await page.fill("#q", "avocado");
    await page.fill("#k", "6");
    await page.click("button[type=submit]");
    await page.waitForSelector(".hit");
    expect(await page.locator(".hit").count()).toBe(6);
    expect(await page.textContent("#status")).toContain("6 results (text query)");
    const scores = (await page.locator(".score").allTextContents()).map(Number);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(await page.locator(".path").first().textContent()).toMatch(/avocado\.png$/);
    // Thumbnails come from /file/:id as blobs once loaded.
    await expect.poll(() => page.locator(".hit img").first().getAttribute("src")).toMatch(/^blob:/);
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>(".hit img")].every(
        (i) => i.complete && i.naturalWidth > 0,
      ),
    );
    const shot = await page.screenshot(SCREENSHOT ? { path: SCREENSHOT } : {});
    expect(shot.length).toBeGreaterThan(1000);

    // Image search through the file input (the drop zone's chooser): the image itself ranks first.
    await page.setInputFiles("#file", join(EMOJI, "bear.png"));
    await expect.poll(() => page.textContent("#status")).toContain("(image query)");
    expect(await page.locator(".path").first().textContent()).toMatch(/bear\.png$/);
    expect(Number(await page.locator(".score").first().textContent())).toBeCloseTo(1, 3);

    // A filter that is not JSON is refused in the page; a server error is shown as code + message.
    await page.fill("#filter", "{oops");
    await page.click("button[type=submit]");
    expect(await page.textContent("#status")).toBe("filter must be JSON");
    await page.fill("#filter", "");
    await page.fill("#k", "0");
    await page.click("button[type=submit]");
    await expect.poll(() => page.textContent("#status")).toContain("INVALID_ARGUMENT");
    await page.close();
  }, 60_000);
});
