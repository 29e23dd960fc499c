import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadClipModel } from "@clipkit/backend-node";
import { FlatIndex, searchByText } from "@clipkit/core";
import { emojiModelDir, emojiModelScoring } from "@clipkit/model-emoji";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium } from "../../tools/browser-test/chromium.js";
import type { StaticServer } from "../../tools/browser-test/server.js";
import { startGallery } from "./serve.js";

// The gallery page in headless Chromium: it must rank the bundled images for a query exactly as the
// Node backend does. UPDATE_SCREENSHOTS=1 refreshes docs/img/web-gallery.png.
const missing = chromiumMissing();
if (missing) console.warn(`[web-gallery] skipping: ${missing}`);

const assets = join(import.meta.dirname, "..", "demo-assets");
const QUERY = "red heart";

async function nodeRanking(query: string): Promise<string[]> {
  const manifest = readFileSync(join(assets, "manifest.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => (JSON.parse(line) as { image: string }).image);
  const model = await loadClipModel(emojiModelDir, { scoring: emojiModelScoring() });
  const index = new FlatIndex(model.space);
  index.add(
    manifest.map((m) => m.replace(/^images\//, "")),
    await model.embedImages(manifest.map((m) => join(assets, m))),
  );
  const [hits = []] = await searchByText(model, index, [query], { k: manifest.length });
  await model.release();
  return hits.map((h) => h.id);
}

describe.skipIf(missing !== undefined)("examples/web-gallery in Chromium", () => {
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  const log: string[] = [];

  beforeAll(async () => {
    server = await startGallery();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    page.on("console", (m) => log.push(`[${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => log.push(`[pageerror] ${e.message}`));
    await page.goto(server.url);
    await page
      .waitForSelector("body[data-state=ready]", { timeout: 240_000 })
      .catch((e: Error) => Promise.reject(new Error(`${e.message}\n${log.join("\n")}`)));
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("labels every bundled image zero-shot", async () => {
    const cards = await page.$$eval("#grid .card .label", (els) => els.map((e) => e.textContent ?? ""));
    expect(cards.length).toBe(24);
    expect(cards.every((c) => /\d+%$/.test(c.trim()))).toBe(true);
    const heart = await page.$eval('.card[data-id="red-heart.png"] .label', (e) => e.textContent ?? "");
    expect(heart).toContain("red heart");
  });

  it(`ranks the images for “${QUERY}” as the Node backend does`, { timeout: 240_000 }, async () => {
    await page.fill("#query", QUERY);
    await page.click("#search button");
    await page.waitForSelector("body[data-state=searched]");
    const ranked = await page.$$eval("#grid .card", (els) =>
      els.map((e) => (e as HTMLElement).dataset.id ?? ""),
    );
    expect(ranked[0]).toBe("red-heart.png");
    expect(ranked.slice(0, 5)).toEqual((await nodeRanking(QUERY)).slice(0, 5));
    const shot = process.env.UPDATE_SCREENSHOTS
      ? join(import.meta.dirname, "..", "..", "docs", "img", "web-gallery.png")
      : join(tmpdir(), "clipkit-web-gallery.png");
    await page.screenshot({ path: shot, fullPage: false });
  });
  it("teaches a new label to selected cards with a few-shot Tip-Adapter head", {
    timeout: 120_000,
  }, async () => {
    await page.click('.card[data-id="red-heart.png"]');
    await page.click('.card[data-id="rocket.png"]');
    await page.fill("#teach-label", "my favourite");
    await page.click("#teach button");
    await page.waitForSelector("body[data-state=taught]");
    const label = (id: string) => page.$eval(`.card[data-id="${id}"] .label`, (e) => e.textContent ?? "");
    expect(await label("red-heart.png")).toContain("my favourite");
    expect(await label("rocket.png")).toContain("my favourite");
    const others = await page.$$eval("#grid .card .label", (els) => els.map((e) => e.textContent ?? ""));
    // Only the taught cards (and at most a few look-alikes) move to the new label.
    expect(others.filter((t) => t.includes("my favourite")).length).toBeLessThanOrEqual(4);
    expect(await page.textContent("#status")).toMatch(/Tip-Adapter head built in [\d.]+ ms/);
  });
});
