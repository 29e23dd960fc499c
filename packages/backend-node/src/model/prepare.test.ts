import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  imageWorkBytes,
  isClipkitError,
  MemoryBudget,
  type MemoryLease,
  parsePreprocessorConfig,
  preprocessBatch,
} from "@clipkit/core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../image/index.js";
import { zeroPng } from "../image/png-bomb.js";
import { nodeImagePreparer } from "./prepare.js";

const config = parsePreprocessorConfig({ image_size: 32 }); // openai order, shortest edge 32

/** Records the most bytes ever held, sampled after every grant. */
class TrackingBudget extends MemoryBudget {
  peak = 0;
  override async acquire(bytes: number): Promise<MemoryLease> {
    const lease = await super.acquire(bytes);
    this.peak = Math.max(this.peak, this.used);
    return {
      get bytes() {
        return lease.bytes;
      },
      grow: async (more) => {
        await lease.grow(more);
        this.peak = Math.max(this.peak, this.used);
      },
      release: () => lease.release(),
    };
  }
}

let dir: string;
const photos: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-prepare-"));
  // 12 distinct 300×200 photos-like images (noise), encoded as PNG and JPEG.
  for (let i = 0; i < 12; i++) {
    const data = Buffer.alloc(300 * 200 * 3);
    for (let p = 0; p < data.length; p++) data[p] = (p * (i + 7) * 2654435761) >>> 24;
    const png = sharp(data, { raw: { width: 300, height: 200, channels: 3 } });
    const file = join(dir, `img${i}.${i % 2 ? "jpg" : "png"}`);
    await writeFile(file, await (i % 2 ? png.jpeg() : png.png()).toBuffer());
    photos.push(file);
  }
  await writeFile(join(dir, "strip.png"), await zeroPng(1_000_000, 1));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("nodeImagePreparer", () => {
  it("gives the same tensor as decoding everything first, holding at most budget + one image", async () => {
    const one = imageWorkBytes(300, 200, config);
    const budget = new TrackingBudget(Math.floor(2.5 * one));
    const prepare = nodeImagePreparer(config, { memoryBudget: budget });
    const batch = await prepare(photos);
    const eager = preprocessBatch(await Promise.all(photos.map((p) => decodeImage(p))), config);
    expect(batch.dims).toEqual(eager.dims);
    expect(batch.data).toEqual(eager.data);
    expect(budget.peak).toBeGreaterThan(0);
    // Two images fit (2 × one + file bytes ≤ 2.5 × one); a third waits.
    expect(budget.peak).toBeLessThanOrEqual(budget.limit + one);
    expect(budget.peak).toBeLessThan(4 * one);
    expect(budget.used).toBe(0);
  });

  it("runs an image larger than the whole budget alone", async () => {
    const budget = new TrackingBudget(1);
    const batch = await nodeImagePreparer(config, { memoryBudget: budget })(photos.slice(0, 3));
    expect(batch.dims).toEqual([3, 3, 32, 32]);
    expect(budget.peak).toBeLessThanOrEqual(imageWorkBytes(300, 200, config) + 300 * 200 * 3);
  });

  it("refuses a 3 KB 1,000,000×1 PNG from its header (resize work), with its index", async () => {
    const prepare = nodeImagePreparer(config);
    try {
      await prepare([photos[0]!, join(dir, "strip.png")]);
      expect.unreachable();
    } catch (e) {
      expect(isClipkitError(e, "IMAGE_TOO_LARGE")).toBe(true);
      expect(isClipkitError(e) && e.details).toMatchObject({
        index: 1,
        file: join(dir, "strip.png"),
        width: 1_000_000,
        height: 1,
        resizedWidth: 32_000_000,
      });
    }
  });

  it("squash configs shrink the strip instead and accept it", async () => {
    const squash = parsePreprocessorConfig({
      image_processor_type: "SiglipImageProcessor",
      size: { height: 16, width: 16 },
    });
    const batch = await nodeImagePreparer(squash)([join(dir, "strip.png")]);
    expect(batch.dims).toEqual([1, 3, 16, 16]);
  });
});
